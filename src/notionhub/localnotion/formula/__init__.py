"""Notion formulas (the 2.0 language without lambdas): parse once, evaluate per page.

``parse_formula`` checks an expression against a schema; ``Formula.evaluate`` computes it from a
rendered page's properties. The lexer, parser, syntax tree, operators and function registry are
the modules of this package.
"""

from notionhub.localnotion.formula.expression import Formula, FormulaCache, parse_formula

__all__ = ["Formula", "FormulaCache", "parse_formula"]
