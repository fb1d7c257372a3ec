"""The command lines of ``gemtui agents`` and ``gemtui environments`` (argparse only).

Separate from :mod:`gemtui.headless.resources_command` so that building ``gemtui``'s parser
(``gemtui --version`` does) imports nothing but this.
"""

from __future__ import annotations

from typing import Any


def add_agents(subparsers: Any, name: str, summary: str, common: Any) -> None:
    """``gemtui agents`` (``common`` adds the options every action takes)."""
    agents = subparsers.add_parser(
        name,
        help=summary,
        description="The custom agents of your account (the API's /agents resource). Ask one "
        "with `gemtui ask --agent ID`.",
        epilog="Exit codes: 0 done, 1 API or network error, 2 usage error.",
    )
    verbs = agents.add_subparsers(dest="verb", metavar="ACTION", required=True)
    common(verbs.add_parser("list", help="every agent: id, base agent, description"))
    show = verbs.add_parser("get", help="one agent in full")
    show.add_argument("id", metavar="ID")
    common(show)
    create = verbs.add_parser(
        "create",
        help="create an agent",
        description="Create an agent from flags, or from its JSON object with --json.",
    )
    create.add_argument(
        "--json", metavar="JSON|FILE", help="the agent object (or a file holding it)"
    )
    create.add_argument("--id", help="its id: lowercase letters, digits and '-'")
    create.add_argument("--base-agent", metavar="NAME", help="the agent it extends")
    create.add_argument("--description", metavar="TEXT")
    create.add_argument("--system", metavar="TEXT", help="its system instruction")
    create.add_argument("--tool", action="append", default=[], metavar="SPEC",
                        help="a tool, written as for `gemtui ask --tool` (repeatable)")  # fmt: skip
    create.add_argument("--agent-config", metavar="JSON", help="its agent_config")
    create.add_argument("--environment", metavar="JSON|remote|ID", help="its base_environment")
    common(create)
    delete = verbs.add_parser("delete", help="delete an agent")
    delete.add_argument("id", metavar="ID")
    common(delete)


def add_environments(subparsers: Any, name: str, summary: str, common: Any) -> None:
    """``gemtui environments`` (``common`` adds the options every action takes)."""
    environments = subparsers.add_parser(
        name,
        help=summary,
        description="The sandboxes agents run in (the API's /environments resource). Use one "
        "with `gemtui ask --agent NAME --environment ID`.",
        epilog="Exit codes: 0 done, 1 API or network error, 2 usage error.",
    )
    verbs = environments.add_subparsers(dest="verb", metavar="ACTION", required=True)
    common(verbs.add_parser("list", help="every environment: id, status, files, last used"))
    show = verbs.add_parser("get", help="one environment in full")
    show.add_argument("id", metavar="ID")
    common(show)
    create = verbs.add_parser(
        "create",
        help="create an environment",
        description="Create an environment: its sources and network as JSON (the object of "
        "`gemtui ask --environment`), or a copy of another with --from.",
    )
    create.add_argument("--json", metavar="JSON|FILE",
                        help='e.g. \'{"sources": [{"type": "repository", "source": '
                        '"github.com/o/r", "target": "r"}], "network": "disabled"}\'')  # fmt: skip
    create.add_argument(
        "--from",
        dest="from_environment",
        metavar="ID",
        help="copy this one (--json may then set only its network)",
    )
    common(create)
    delete = verbs.add_parser("delete", help="delete an environment")
    delete.add_argument("id", metavar="ID")
    common(delete)
    files = verbs.add_parser("files", help="the files of an environment's workspace")
    files.add_argument("id", metavar="ID")
    files.add_argument("path", nargs="?", default="", metavar="PATH", help="a directory or file")
    files.add_argument("--recursive", "-r", action="store_true", help="everything below PATH")
    common(files)
