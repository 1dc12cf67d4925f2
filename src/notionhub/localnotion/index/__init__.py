"""The property index: what a page puts in it (``planner``), the conditions it can answer
(``conditions``), and its rows and SQL (``queries``). Depends on ``storage``, never the reverse."""
