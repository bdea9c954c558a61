"""The `visualnet` commands (visualnet/cli/)."""
