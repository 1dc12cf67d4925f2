"""File uploads: the upload objects and their parts, sources in bodies, external URL imports."""
