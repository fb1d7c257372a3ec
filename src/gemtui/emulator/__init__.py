"""An offline emulator of the Interactions API, served on loopback."""
