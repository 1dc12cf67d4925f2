"""Comments: threads, bodies (text, attachments, display name), edits."""
