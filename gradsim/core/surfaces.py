"""Loss surfaces in two dimensions, with exact gradients and Hessians.

Each surface is declared as data: a sympy formula in x and y with named
parameters, its known stationary points (for markers), a view window and a
start point. sympy differentiates the formula once, exactly, and
`lambdify` turns value, gradient and Hessian into NumPy functions, so the
built-in surfaces and a formula typed by a user share one code path.
Functions accept points of shape (..., 2), so one call serves many runs.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from .expressions import check_real, parse_expression, sp, time_limit, xy
from .specs import HParam, resolve_values, unknown_name_error

Point = tuple[float, float]


@dataclass(frozen=True)
class StationaryPoint:
    x: float
    y: float
    kind: str  # "minimum", "maximum", "saddle"


@dataclass(frozen=True)
class SurfaceSpec:
    name: str
    title: str
    formula: Callable[..., sp.Expr]  # formula(x, y, **params) -> sympy expression
    params: tuple[HParam, ...] = ()
    stationary: Callable[..., list[tuple[float, float, str]]] = lambda **_: []
    view: tuple[float, float, float, float] = (-3.0, 3.0, -3.0, 3.0)  # xmin, xmax, ymin, ymax
    start: Point = (1.0, 1.0)
    note: str = ""
    # Learning rates that work from `start` for 1,000 steps at least (tests/test_defaults.py walks them):
    # plain gradient descent, heavy-ball momentum (β = 0.9), and a step length for the adaptive methods.
    rates: tuple[float, float, float] = ()


class Surface:
    """A surface with its parameters fixed: value, gradient and Hessian as NumPy functions."""

    dim = 2

    def __init__(self, spec: SurfaceSpec, params: Mapping[str, Any] | None = None):
        self.spec = spec
        self.name = spec.name
        self.params = resolve_values(spec.params, params, f"surface '{spec.name}'")
        self._numeric_args = tuple(v for k, v in self.params.items() if k != "expr")
        self.expr, self._value_grad, self._hessian = _compile(spec.name, self.params.get("expr"))
        self.view = spec.view
        self.start = spec.start

    @functools.cached_property
    def rates(self) -> tuple[float, float, float]:
        """(gradient descent, momentum, adaptive step) rates that work from the start: declared for the
        built-in surfaces; for a typed formula, from the curvature at the start (a fifth of the largest
        stable gradient step, 2/λmax), a third of that with momentum, and 1% of the view for a step."""
        if self.spec.rates:
            return self.spec.rates
        xmin, xmax, ymin, ymax = self.view
        step = 0.01 * math.hypot(xmax - xmin, ymax - ymin)
        with np.errstate(all="ignore"):
            curvature = float(np.max(np.abs(np.linalg.eigvalsh(self.hessian(np.array(self.start, dtype=float))))))
        gradient = min(0.1, 0.4 / curvature) if math.isfinite(curvature) and curvature > 0 else 0.01
        return gradient, gradient / 3, step

    @functools.cached_property
    def stationary_points(self) -> tuple[StationaryPoint, ...]:
        """Known minima, maxima and saddles, sharpened to machine precision (for markers)."""
        return self._polish(self.spec.stationary(**self.params))

    def __repr__(self) -> str:
        return f"Surface({self.name!r}, {self.params})"

    def loss_grad(self, points: np.ndarray, k: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Loss (...,) and gradient (..., 2) at points (..., 2); k (the update count) is unused."""
        if points.ndim == 1:  # NumPy scalars, not 0-d arrays: several times faster for one run
            f, gx, gy = self._value_grad(points[0], points[1], *self._numeric_args)
            return f, np.array((gx, gy), dtype=float)
        f, gx, gy = self._value_grad(points[..., 0], points[..., 1], *self._numeric_args)
        grad = np.empty_like(points)  # laid out as the points are: x and y each contiguous for (N, 2) in F order
        grad[..., 0] = gx
        grad[..., 1] = gy
        if not isinstance(f, np.ndarray):  # a constant formula gives one number for every point
            f = np.full(points.shape[:-1], f, dtype=float)
        return f, grad

    def loss(self, points: np.ndarray) -> np.ndarray:
        return self.loss_grad(np.asarray(points, dtype=float))[0]

    def hessian(self, points: np.ndarray, k: int = 0) -> np.ndarray:
        """Hessian (..., 2, 2) at points (..., 2)."""
        hxx, hxy, hyy = self._hessian(points[..., 0], points[..., 1], *self._numeric_args)
        hess = np.empty(points.shape + (2,))
        hess[..., 0, 0] = hxx
        hess[..., 0, 1] = hxy
        hess[..., 1, 0] = hxy
        hess[..., 1, 1] = hyy
        return hess

    def grid(self, nx: int = 200, ny: int = 200, view=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """xs (nx,), ys (ny,) and the loss on their grid, shape (ny, nx), for contour plots."""
        xmin, xmax, ymin, ymax = view or self.view
        xs, ys = np.linspace(xmin, xmax, nx), np.linspace(ymin, ymax, ny)
        points = np.stack(np.meshgrid(xs, ys), axis=-1)
        with np.errstate(all="ignore"):
            return xs, ys, self.loss(points)

    def classify(self, point) -> str:
        """'minimum', 'maximum', 'saddle' or 'degenerate' from the Hessian's eigenvalues."""
        with np.errstate(all="ignore"):
            hess = self.hessian(np.asarray(point, dtype=float))
        if not np.all(np.isfinite(hess)):
            return "degenerate"
        eigenvalues = np.linalg.eigvalsh(hess)
        scale = max(1.0, float(np.max(np.abs(eigenvalues))))
        tol = 1e-9 * scale
        if np.all(eigenvalues > tol):
            return "minimum"
        if np.all(eigenvalues < -tol):
            return "maximum"
        if eigenvalues.min() < -tol and eigenvalues.max() > tol:
            return "saddle"
        return "degenerate"

    def _polish(self, points) -> tuple[StationaryPoint, ...]:
        # Newton's method on the gradient sharpens the declared points to machine precision.
        polished = []
        for x, y, kind in points:
            p = np.array([x, y], dtype=float)
            with np.errstate(all="ignore"):
                for _ in range(30):
                    _, g = self.loss_grad(p)
                    hess = self.hessian(p)
                    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(hess))):
                        break  # e.g. Ackley's cone tip, where the gradient is undefined
                    step = np.linalg.lstsq(hess, g, rcond=None)[0]
                    if not np.all(np.isfinite(step)) or np.linalg.norm(step) > 1e-2 * (1 + np.linalg.norm(p)):
                        break
                    p = p - step
                    if np.linalg.norm(step) <= 1e-15 * (1 + np.linalg.norm(p)):
                        break
            if not np.all(np.isfinite(p)):
                p = np.array([x, y], dtype=float)
            polished.append(StationaryPoint(float(p[0]), float(p[1]), kind))
        return tuple(polished)


def _compile(name: str, expr_text: str | None):
    """(expression, value-and-gradient function, Hessian function) of a surface; a typed formula is
    compiled under the time limit (expressions.TIME_LIMIT), and a refusal is remembered like a success,
    so asking again costs nothing."""
    if expr_text is None:
        return _compiled(name, None)
    _warm_up()  # sympy's modules are loaded before the clock starts
    result = _compiled(name, expr_text)
    if isinstance(result, str):
        raise ValueError(result)
    return result


@functools.cache
def _warm_up() -> None:
    _compiled("custom", "x + y")


@functools.lru_cache(maxsize=64)
def _compiled(name: str, expr_text: str | None):
    if expr_text is None:
        return _build(name, None)
    try:
        with time_limit():
            return _build(name, expr_text)
    except ValueError as error:
        return str(error)
    except (ArithmeticError, RecursionError, MemoryError, TypeError) as error:  # from deep inside sympy/mpmath
        return f"expression cannot be compiled: {type(error).__name__} in sympy ({error})"[:200]


def _build(name: str, expr_text: str | None):
    spec = SURFACES[name]
    X, Y = xy()
    symbols = {p.name: sp.Symbol(p.name, real=True) for p in spec.params if p.name != "expr"}
    if expr_text is not None:
        expr = parse_expression(expr_text)
        if expr.free_symbols - {X, Y}:
            raise ValueError(f"expression uses {expr.free_symbols - {X, Y}}; only x and y may vary")
    else:
        expr = spec.formula(X, Y, **symbols)
    grad = [check_real(sp.diff(expr, v), "the formula's gradient") for v in (X, Y)]
    hess = [sp.diff(expr, X, X), sp.diff(expr, X, Y), sp.diff(expr, Y, Y)]
    # |x| differentiates to sign(x) and then to a Dirac delta; it is zero almost everywhere.
    hess = [check_real(h.replace(sp.DiracDelta, lambda *args: sp.Integer(0)), "the formula's Hessian") for h in hess]
    args = (X, Y, *symbols.values())
    printer = _printer_class()
    value_grad = sp.lambdify(args, [expr, *grad], modules="numpy", cse=True, printer=printer)
    hessian = sp.lambdify(args, hess, modules="numpy", cse=True, printer=printer)
    return expr, value_grad, hessian


@functools.cache
def _printer_class():
    from sympy.printing.numpy import NumPyPrinter
    from sympy.printing.precedence import precedence

    class Printer(NumPyPrinter):
        """Writes small integer powers as products.

        NumPy rounds `x**2` differently for a scalar than for an array; as products one run and
        the same run inside an ensemble give identical bits (and match torch, which multiplies too).
        """

        def _print_Pow(self, expr, rational=False):
            n = expr.exp
            if n.is_Integer and 2 <= abs(n) <= 4:
                base = self.parenthesize(expr.base, precedence(expr), strict=False)
                product = "*".join([base] * abs(int(n)))
                return f"({product})" if n > 0 else f"(1/({product}))"
            return super()._print_Pow(expr, rational=rational)

    return Printer


def _quadratic(x, y, a, b, angle):
    theta = angle * sp.pi / 180
    u = sp.cos(theta) * x + sp.sin(theta) * y
    v = -sp.sin(theta) * x + sp.cos(theta) * y
    return (a * u**2 + b * v**2) / 2


def _quadratic_kind(a, b, angle):
    if a > 0 and b > 0:
        kind = "minimum"
    elif a < 0 and b < 0:
        kind = "maximum"
    elif a * b < 0:
        kind = "saddle"
    else:
        return []
    return [(0.0, 0.0, kind)]


def _rastrigin_minima(A):
    # In each coordinate x² − A cos 2πx has its minima near the integers; polishing makes them exact.
    if A < 1:  # ripples too shallow to hold local minima away from the origin
        return [(0.0, 0.0, "minimum")]
    return [(float(i), float(j), "minimum") for i in range(-5, 6) for j in range(-5, 6)]


def _styblinski_tang_points():
    low, high, top = -2.903534, 2.746803, 0.156731  # per-coordinate minima and maximum of x⁴ − 16x² + 5x
    points = [(a, b, "minimum") for a in (low, high) for b in (low, high)]
    points += [(a, top, "saddle") for a in (low, high)] + [(top, b, "saddle") for b in (low, high)]
    return points + [(top, top, "maximum")]


SURFACES: dict[str, SurfaceSpec] = {s.name: s for s in (
    SurfaceSpec(
        "quadratic", "Quadratic bowl", _quadratic,
        (HParam("a", 1.0, -1e3, 1e3, "linear", "a", "curvature along the rotated first axis"),
         HParam("b", 10.0, -1e3, 1e3, "linear", "b", "curvature along the rotated second axis"),
         HParam("angle", 0.0, -360.0, 360.0, "linear", "θ", "rotation of the axes, in degrees")),
        _quadratic_kind, (-3, 3, -3, 3), (-2.5, 1.5),
        "½(a·u² + b·v²) with (u, v) the point rotated by θ; condition number max(|a|,|b|)/min(|a|,|b|)",
        rates=(0.05, 0.05, 0.1)),
    SurfaceSpec(
        "rosenbrock", "Rosenbrock's banana valley",
        lambda x, y, a, b: (a - x) ** 2 + b * (y - x**2) ** 2,
        (HParam("a", 1.0, -10.0, 10.0, "linear", "a", "position of the minimum (a, a²)"),
         HParam("b", 100.0, 0.0, 1e4, "log", "b", "steepness of the valley walls", low_open=True)),
        lambda a, b: [(a, a * a, "minimum")], (-2, 2, -1, 3), (-1.2, 1.0),
        "(a − x)² + b(y − x²)²: a narrow curved valley",
        rates=(0.001, 0.001, 0.05)),
    SurfaceSpec(
        "himmelblau", "Himmelblau's function",
        lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2, (),
        lambda: [(3.0, 2.0, "minimum"), (-2.805118, 3.131312, "minimum"),
                 (-3.779310, -3.283186, "minimum"), (3.584428, -1.848126, "minimum"),
                 (-0.270845, -0.923039, "maximum"),
                 (0.086678, 2.884255, "saddle"), (-3.073026, -0.081353, "saddle"),
                 (3.385154, 0.073852, "saddle"), (-0.127961, -1.953715, "saddle")],
        (-5, 5, -5, 5), (0.0, 0.0), "four equal minima, f = 0",
        rates=(0.01, 0.003, 0.1)),
    SurfaceSpec(
        "beale", "Beale's function",
        lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2, (),
        lambda: [(3.0, 0.5, "minimum"), (0.0, 1.0, "saddle"), (0.100538, -2.644514, "saddle")],
        (-4.5, 4.5, -4.5, 4.5), (1.0, 1.5),
        "minimum f(3, 0.5) = 0 in a flat, curved valley",
        rates=(0.003, 0.001, 0.1)),
    SurfaceSpec(
        "six_hump_camel", "Six-hump camel",
        lambda x, y: (4 - sp.Rational(21, 10) * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2, (),
        lambda: [(0.089842, -0.712656, "minimum"), (-0.089842, 0.712656, "minimum"),
                 (-1.703607, 0.796084, "minimum"), (1.703607, -0.796084, "minimum"),
                 (-1.607105, -0.568651, "minimum"), (1.607105, 0.568651, "minimum"),
                 (-1.23023, -0.162335, "maximum"), (1.23023, 0.162335, "maximum"),
                 (0.0, 0.0, "saddle"), (-1.29607, -0.605084, "saddle"), (1.29607, 0.605084, "saddle"),
                 (1.109205, -0.768268, "saddle"), (-1.109205, 0.768268, "saddle"),
                 (-1.638068, -0.228674, "saddle"), (1.638068, 0.228674, "saddle")],
        (-3, 3, -2, 2), (-1.5, 1.5), "two global minima f ≈ −1.0316 and four local ones",
        rates=(0.01, 0.003, 0.05)),
    SurfaceSpec(
        "saddle", "Saddle", lambda x, y: (x**2 - y**2) / 2, (),
        lambda: [(0.0, 0.0, "saddle")], (-2, 2, -2, 2), (1.5, 0.05),
        "½(x² − y²): down along y, up along x",
        rates=(0.003, 0.001, 0.01)),
    SurfaceSpec(
        "monkey_saddle", "Monkey saddle", lambda x, y: x**3 - 3 * x * y**2, (),
        lambda: [(0.0, 0.0, "saddle")], (-2, 2, -2, 2), (1.0, 0.2),
        "x³ − 3xy²: a flat saddle with three valleys; the Hessian vanishes at the origin",
        rates=(0.0003, 3e-05, 0.003)),
    SurfaceSpec(
        "rastrigin", "Rastrigin's function",
        lambda x, y, A: 2 * A + x**2 - A * sp.cos(2 * sp.pi * x) + y**2 - A * sp.cos(2 * sp.pi * y),
        (HParam("A", 10.0, 0.0, 100.0, "linear", "A", "height of the ripples"),),
        _rastrigin_minima, (-5.12, 5.12, -5.12, 5.12), (3.3, -2.7),
        "a bowl covered in ripples: a local minimum near every integer point",
        rates=(0.001, 0.001, 0.05)),
    SurfaceSpec(
        "ackley", "Ackley's function",
        lambda x, y: (-20 * sp.exp(-sp.Rational(1, 5) * sp.sqrt((x**2 + y**2) / 2))
                      - sp.exp((sp.cos(2 * sp.pi * x) + sp.cos(2 * sp.pi * y)) / 2) + sp.E + 20), (),
        lambda: [(0.0, 0.0, "minimum")], (-5, 5, -5, 5), (3.2, -2.8),
        "a nearly flat outer region full of local minima around one sharp global minimum at the origin",
        rates=(0.01, 0.003, 0.05)),
    SurfaceSpec(
        "goldstein_price", "Goldstein–Price function",
        lambda x, y: ((1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2))
                      * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2))),
        (), lambda: [(0.0, -1.0, "minimum"), (-0.6, -0.4, "minimum"), (1.8, 0.2, "minimum"), (1.2, 0.8, "minimum"),
                     (0.8, 0.2, "maximum"), (-0.4, -0.6, "saddle"), (1.2, -0.2, "saddle"),
                     (0.6, 0.4, "saddle"), (1.4, 0.6, "saddle")],
        (-2, 2, -2, 2), (-1.5, -1.5),
        "global minimum f(0, −1) = 3; values span six orders of magnitude",
        rates=(1e-05, 1e-06, 0.03)),
    SurfaceSpec(
        "styblinski_tang", "Styblinski–Tang function",
        lambda x, y: (x**4 - 16 * x**2 + 5 * x + y**4 - 16 * y**2 + 5 * y) / 2, (),
        lambda: _styblinski_tang_points(), (-5, 5, -5, 5), (0.0, 4.0),
        "four minima; the global one at (−2.9035, −2.9035)",
        rates=(0.001, 0.001, 0.05)),
    SurfaceSpec(
        "cliff", "Cliff",
        lambda x, y, wall, sharpness: y**2 / 2 - x + wall * sp.log(1 + sp.exp(sharpness * x)) / sharpness,
        (HParam("wall", 100.0, 1.0, 1e4, "log", "h", "slope of the wall beyond x = 0", low_open=True),
         HParam("sharpness", 100.0, 0.0, 1e3, "log", "s", "how abruptly the gentle slope turns into the wall",
                low_open=True)),
        lambda wall, sharpness: [(-math.log(wall - 1) / sharpness, 0.0, "minimum")], (-12, 3, -4, 4), (-4.0, 1.5),
        "a gentle slope (gradient 1) running into a wall of slope h at x = 0: a step that lands on the wall "
        "is thrown back h times farther than it came",
        rates=(0.01, 0.003, 0.03)),
    SurfaceSpec(
        "plateau", "Plateau",
        lambda x, y, width: 1 - sp.exp(-(x**2 + y**2) / (2 * width**2)),
        # Not below 1e-3: a narrower well is a point, and 2w² underflows to 0 for w under 1e-154.
        (HParam("width", 1.0, 1e-3, 100.0, "log", "w", "radius of the well; beyond it the surface is flat"),),
        lambda width: [(0.0, 0.0, "minimum")], (-4, 4, -4, 4), (3.5, 3.0),
        "1 − exp(−r²/2w²): the gradient vanishes far from the minimum",
        rates=(3, 0.3, 0.03)),
    SurfaceSpec(
        "custom", "Your formula", lambda x, y, expr: sp.Integer(0),
        (HParam("expr", "x**2 + 5*y**2 + sin(3*x)", kind=str, symbol="f(x, y)",
                help="a formula in x and y: + - * / **, numbers, pi, e, and functions such as sin, exp, log, sqrt"),),
        lambda expr: [], (-3, 3, -3, 3), (2.5, 1.5), "a formula you type"),
)}


def get_surface(name: str, params: Mapping[str, Any] | None = None) -> Surface:
    if not isinstance(name, str) or name not in SURFACES:
        raise unknown_name_error("surface", name, SURFACES)
    return Surface(SURFACES[name], params)
