"""Page content as Notion-flavoured Markdown: inline text, the writer, the reader, the
endpoints' edits."""
