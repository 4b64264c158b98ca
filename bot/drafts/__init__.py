"""Articles drafted from resolved tickets: material and privacy filter, writers, files, the service."""
