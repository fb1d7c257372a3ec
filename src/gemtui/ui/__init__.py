"""The Textual application: screens, widgets and bindings."""
