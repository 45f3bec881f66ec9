"""A safe parser for formulas in x and y typed by a user.

The text is parsed with Python's `ast` into a syntax tree, every node is
checked against a short whitelist, and the allowed tree is translated into a
sympy expression by hand. Nothing of the text is ever evaluated as Python,
and sympy's own string parser (which calls eval) is never used.
"""
from __future__ import annotations

import ast
import functools

from .lazy import LazyModule

sp = LazyModule("sympy")  # imported on first use: the app opens without waiting for it

MAX_LENGTH = 500
MAX_NODES = 400
MAX_EXPONENT = 64
MAX_CONSTANT = 1e300

FUNCTIONS = {  # the name a user types -> how to build it in sympy
    "sin": lambda z: sp.sin(z), "cos": lambda z: sp.cos(z), "tan": lambda z: sp.tan(z),
    "asin": lambda z: sp.asin(z), "acos": lambda z: sp.acos(z), "atan": lambda z: sp.atan(z),
    "arcsin": lambda z: sp.asin(z), "arccos": lambda z: sp.acos(z), "arctan": lambda z: sp.atan(z),
    "sinh": lambda z: sp.sinh(z), "cosh": lambda z: sp.cosh(z), "tanh": lambda z: sp.tanh(z),
    "exp": lambda z: sp.exp(z), "log": lambda z: sp.log(z), "ln": lambda z: sp.log(z),
    "sqrt": lambda z: sp.sqrt(z), "abs": lambda z: sp.Abs(z),
    "sigmoid": lambda z: 1 / (1 + sp.exp(-z)),
    "softplus": lambda z: sp.log(1 + sp.exp(z)),
}
NAMES = ("x", "y", "pi", "e")


@functools.cache
def xy():
    """The symbols x and y (real) in which every surface is written."""
    return sp.symbols("x y", real=True)


def _name(name: str):
    x, y = xy()
    return {"x": x, "y": y, "pi": sp.pi, "e": sp.E}[name]

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


def parse_expression(text: str) -> sp.Expr:
    """The sympy expression of `text`, or a ValueError naming what was refused."""
    if not isinstance(text, str):
        raise ValueError(f"expression must be text, got {type(text).__name__}")
    if not text.strip():
        raise ValueError("expression is empty")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ValueError(f"expression is not a valid formula: {error.msg} at column {error.offset}") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise ValueError(f"expression has {count} parts; the limit is {MAX_NODES}")
    return check_real(_translate(tree.body))


def check_real(expr: sp.Expr, what: str = "expression") -> sp.Expr:
    """`expr`, unless sympy made it complex (log(−1) = iπ) or infinite (1/(x − x) = zoo): numbers a
    surface cannot take, which NumPy would otherwise cut to their real part or turn into NaN."""
    if expr.has(sp.I):
        raise ValueError(f"{what} has a complex value (it contains i, as log(-1) = iπ); a surface must be real")
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise ValueError(f"{what} is infinite or undefined (as 1/0 is) where sympy simplifies it")
    return expr


def _translate(node: ast.AST) -> sp.Expr:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expression may not contain {value!r}: only numbers, x, y, pi and e")
        if abs(value) > MAX_CONSTANT:
            raise ValueError(f"number {value!r} is too large")
        return sp.Integer(value) if isinstance(value, int) else sp.Float(value)
    if isinstance(node, ast.Name):
        if node.id in NAMES:
            return _name(node.id)
        if node.id in FUNCTIONS:
            raise ValueError(f"function '{node.id}' must be called with one argument, as in {node.id}(x)")
        raise ValueError(f"unknown name '{node.id}': only x, y, pi and e may appear")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        operand = _translate(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitXor):
            raise ValueError("'^' is not allowed; write powers as **")
        if type(node.op) not in _OPERATORS:
            raise ValueError(f"operator '{type(node.op).__name__}' is not allowed: only + - * / **")
        left, right = _translate(node.left), _translate(node.right)
        if isinstance(node.op, ast.Pow):
            return _power(left, right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return _checked(left * right)
        return _checked(left / right)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            _translate(node.func)  # refuses the attribute access, lambda, ... being called
            raise ValueError("only the allowed functions may be called")
        name = node.func.id
        if name not in FUNCTIONS:
            raise ValueError(f"calling '{name}' is not allowed; allowed functions: {', '.join(sorted(FUNCTIONS))}")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise ValueError(f"function '{name}' takes exactly one argument")
        return FUNCTIONS[name](_translate(node.args[0]))
    kinds = {ast.Attribute: "attribute access", ast.Lambda: "lambda", ast.Subscript: "indexing",
             ast.ListComp: "comprehensions", ast.GeneratorExp: "comprehensions", ast.Compare: "comparisons",
             ast.BoolOp: "'and'/'or'", ast.IfExp: "'if' expressions", ast.NamedExpr: "assignment"}
    what = next((label for kind, label in kinds.items() if isinstance(node, kind)), type(node).__name__)
    raise ValueError(f"{what} is not allowed in an expression")


def _power(base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
    if exponent.is_number and abs(complex(exponent)) > MAX_EXPONENT:
        raise ValueError(f"exponent {exponent} is too large; the limit is {MAX_EXPONENT}")
    return _checked(base ** exponent)


def _checked(value: sp.Expr) -> sp.Expr:
    # Keeps exact integers from growing without bound through repeated powers and products.
    if value.is_number and value.is_finite is not False:
        try:
            if abs(complex(value)) > MAX_CONSTANT:
                raise ValueError(f"constant {sp.sstr(value)[:40]} is too large")
        except (TypeError, OverflowError):
            raise ValueError("a constant in the expression is too large or not real") from None
    return value
