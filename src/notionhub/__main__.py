"""``python -m notionhub``: the same program as the ``notionhub`` command."""

from notionhub.cli_errors import main

main()
