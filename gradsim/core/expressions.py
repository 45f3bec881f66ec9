"""A safe parser for formulas in x and y typed by a user.

The text is parsed with Python's `ast` into a syntax tree, every node is
checked against a short whitelist, and the allowed tree is translated into a
sympy expression by hand. Nothing of the text is ever evaluated as Python,
and sympy's own string parser (which calls eval) is never used.
"""
from __future__ import annotations

import ast
import contextlib
import functools
import math
import sys
import time

from .lazy import LazyModule

sp = LazyModule("sympy")  # imported on first use: the app opens without waiting for it

MAX_LENGTH = 500
MAX_NODES = 400
MAX_DEPTH = 12  # functions inside functions: sympy's derivatives grow with each level (tanh 40 deep took 9 s)
MAX_EXPONENT = 64
MAX_CONSTANT = 1e300
TIME_LIMIT = 1.0  # seconds for sympy to simplify, differentiate and compile a formula

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
# The same functions on floats, to value a constant part of a formula as NumPy would (a float, at
# once) instead of letting sympy evaluate it to whatever precision it needs (sin(exp(exp(20))) took
# minutes): a constant too large for a float, complex or undefined is refused before sympy sees it.
FLOAT_FUNCTIONS = {
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos, "atan": math.atan,
    "arcsin": math.asin, "arccos": math.acos, "arctan": math.atan,
    "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh, "exp": math.exp, "log": math.log, "ln": math.log,
    "sqrt": math.sqrt, "abs": abs,
    "sigmoid": lambda z: 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z)),
    "softplus": lambda z: z + math.log1p(math.exp(-z)) if z > 0 else math.log1p(math.exp(z)),
}
FLOAT_NAMES = {"pi": math.pi, "e": math.e}


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
    tree = parse_tree(text)
    xy()  # sympy imported before the clock starts
    with time_limit():
        return check_real(_translate(tree.body)[0])


def parse_tree(text: str) -> ast.Expression:
    """The syntax tree of `text` after the checks that need no sympy (syntax, length, parts, depth):
    quick enough for the GUI thread."""
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
    except (RecursionError, MemoryError):
        raise ValueError("expression is nested too deeply") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise ValueError(f"expression has {count} parts; the limit is {MAX_NODES}")
    depth = _call_depth(tree.body)
    if depth > MAX_DEPTH:
        raise ValueError(f"expression nests {depth} functions inside each other; the limit is {MAX_DEPTH}")
    return tree


def _call_depth(node: ast.AST) -> int:
    """How many function calls sit inside each other at the deepest point."""
    depth, stack = 0, [(node, 0)]
    while stack:
        node, calls = stack.pop()
        calls += isinstance(node, ast.Call)
        depth = max(depth, calls)
        stack.extend((child, calls) for child in ast.iter_child_nodes(node))
    return depth


class _OutOfTime(BaseException):
    """Raised inside sympy when a formula's time is up (a BaseException: sympy catches Exception)."""


@contextlib.contextmanager
def time_limit(seconds: float | None = None, clock=time.monotonic):
    """Stop the code inside after `seconds` (default TIME_LIMIT) with a ValueError. A profile hook of
    this thread looks at the clock on calls and returns, so sympy, which is pure Python, is stopped
    wherever it is; `clock` may be replaced (tests)."""
    seconds = TIME_LIMIT if seconds is None else seconds
    deadline = clock() + seconds
    previous = sys.getprofile()
    calls = 0

    def watch(frame, event, arg):
        nonlocal calls
        calls += 1
        if calls % 64 == 0 and clock() > deadline:
            sys.setprofile(previous)
            raise _OutOfTime

    sys.setprofile(watch)
    try:
        yield
    except _OutOfTime:
        raise ValueError(f"expression is too complex: simplifying, differentiating and compiling it took over "
                         f"{seconds:g} s") from None
    finally:
        sys.setprofile(previous)


def check_real(expr: sp.Expr, what: str = "expression") -> sp.Expr:
    """`expr`, unless sympy made it complex (log(−1) = iπ) or infinite (1/(x − x) = zoo): numbers a
    surface cannot take, which NumPy would otherwise cut to their real part or turn into NaN."""
    if expr.has(sp.I):
        raise ValueError(f"{what} has a complex value (it contains i, as log(-1) = iπ); a surface must be real")
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise ValueError(f"{what} is infinite or undefined (as 1/0 is) where sympy simplifies it")
    return expr


def _translate(node: ast.AST) -> tuple[sp.Expr, float | None]:
    """(the sympy expression, its value as a float if it is a constant, else None)."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expression may not contain {value!r}: only numbers, x, y, pi and e")
        if abs(value) > MAX_CONSTANT:
            raise ValueError(f"number {_short(value)} is too large")
        return (sp.Integer(value) if isinstance(value, int) else sp.Float(value)), float(value)
    if isinstance(node, ast.Name):
        if node.id in NAMES:
            return _name(node.id), FLOAT_NAMES.get(node.id)
        if node.id in FUNCTIONS:
            raise ValueError(f"function '{node.id}' must be called with one argument, as in {node.id}(x)")
        raise ValueError(f"unknown name '{node.id}': only x, y, pi and e may appear")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        operand, value = _translate(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand, value
        return -operand, None if value is None else -value
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitXor):
            raise ValueError("'^' is not allowed; write powers as **")
        if type(node.op) not in _OPERATORS:
            raise ValueError(f"operator '{type(node.op).__name__}' is not allowed: only + - * / **")
        (left, a), (right, b) = _translate(node.left), _translate(node.right)
        if isinstance(node.op, ast.Pow) and b is not None and abs(b) > MAX_EXPONENT:
            raise ValueError(f"exponent {_short(b)} is too large; the limit is {MAX_EXPONENT}")
        value = None if a is None or b is None else _constant(node, a, b)
        symbol = _OPERATORS[type(node.op)]
        expr = {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
                "/": lambda: left / right, "**": lambda: left ** right}[symbol]()
        return expr, value
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            _translate(node.func)  # refuses the attribute access, lambda, ... being called
            raise ValueError("only the allowed functions may be called")
        name = node.func.id
        if name not in FUNCTIONS:
            raise ValueError(f"calling '{name}' is not allowed; allowed functions: {', '.join(sorted(FUNCTIONS))}")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise ValueError(f"function '{name}' takes exactly one argument")
        argument, value = _translate(node.args[0])
        return FUNCTIONS[name](argument), None if value is None else _constant(node, value)
    kinds = {ast.Attribute: "attribute access", ast.Lambda: "lambda", ast.Subscript: "indexing",
             ast.ListComp: "comprehensions", ast.GeneratorExp: "comprehensions", ast.Compare: "comparisons",
             ast.BoolOp: "'and'/'or'", ast.IfExp: "'if' expressions", ast.NamedExpr: "assignment"}
    what = next((label for kind, label in kinds.items() if isinstance(node, kind)), type(node).__name__)
    raise ValueError(f"{what} is not allowed in an expression")


def _constant(node: ast.AST, *values: float) -> float:
    """The float value of a constant part (an operation or a function of constants), checked: real,
    finite and at most MAX_CONSTANT in size, or a ValueError quoting that part of the formula."""
    try:
        if isinstance(node, ast.Call):
            value = FLOAT_FUNCTIONS[node.func.id](values[0])
        else:
            a, b = values
            value = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                     ast.Div: lambda: a / b, ast.Pow: lambda: a ** b}[type(node.op)]()
    except ZeroDivisionError:
        raise ValueError(f"{_source(node)} divides by zero") from None
    except OverflowError:
        raise ValueError(f"constant {_source(node)} is too large") from None
    except ValueError:  # log(-1), sqrt(-2), asin(3): no real value
        raise ValueError(f"constant {_source(node)} has no real value") from None
    if isinstance(value, complex):  # (-8)**(1/3) in Python is complex
        raise ValueError(f"constant {_source(node)} has no real value")
    if not math.isfinite(value) or abs(value) > MAX_CONSTANT:
        raise ValueError(f"constant {_source(node)} is too large")
    return value


def _source(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:40] + "…"


def _short(value: float) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    digits = str(abs(value))  # at most MAX_LENGTH digits, far below Python's limit for str()
    return digits if len(digits) <= 15 else f"of {len(digits)} digits"
