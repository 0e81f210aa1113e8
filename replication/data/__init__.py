"""Data: corpora the project generates offline, and loaders for the paper profile's real corpora."""
