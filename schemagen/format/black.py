"""black itself: over a whole module (the reference), and over batches of pieces, in parallel."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from schemagen.forked import cores
from schemagen.format.lines import DOCSTRING, STATEMENT, Piece, indent_block
from schemagen.format.style import BLACK_VERSION, line_length, TARGET, FormatError

# A piece of this many characters or more is worth a second process; below it, forking costs more.
PARALLEL_THRESHOLD = 60_000


def black_mode() -> object:
    from black.mode import Mode, TargetVersion

    return Mode(
        target_versions={TargetVersion[TARGET.upper()]},
        line_length=line_length(),
        string_normalization=True,
        is_pyi=False,
        magic_trailing_comma=True,
    )


def format_source(source: str, name: str) -> str:
    """black over the whole of `source`: the reference that `format_modules` must equal, and the
    fallback for statements `format/layout.py` does not lay out. black is not a dependency of
    schemagen (only of its tests): without it such a statement is a clear error, not a guess."""
    try:
        import black
    except ImportError:
        raise FormatError(f"{name} needs black {BLACK_VERSION} (schemagen's own layout does not cover it): "
                          f"pip install 'black=={BLACK_VERSION}', or report the statement as a bug") from None

    installed = getattr(black, "__version__", "?")
    if installed != BLACK_VERSION:
        raise FormatError(f"black {installed} is installed, but {name} needs black {BLACK_VERSION}'s layout "
                          f"(schemagen's own does not cover it): pip install 'black=={BLACK_VERSION}', "
                          "or report the statement as a bug")
    try:
        return black.format_str(source, mode=black_mode())  # type: ignore[arg-type]
    except Exception as exc:  # black raises several types for code it cannot parse
        raise FormatError(f"black could not format {name}: {exc}") from exc

# Formatting pieces with black, in batches -----------------------------------------------------

_CUT = "__schemagen_cut__"


def _statement_batch(depth: int, texts: Sequence[str]) -> str:
    opening = "".join("    " * level + "if True:\n" for level in range(depth))
    marker = "    " * depth + _CUT + "\n"
    return opening + marker + "".join(indent_block(text, depth) + marker for text in texts)


def _split_statements(depth: int, formatted: str) -> list[str]:
    marker = "    " * depth + _CUT
    lines = formatted.splitlines(keepends=True)[depth:]
    pieces: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.rstrip("\n") == marker:
            pieces.append("".join(current))
            current = []
        elif line.strip():  # black may add a blank line after an import; a statement has none
            current.append(line[4 * depth :])
    return pieces[1:]


def _docstring_batch(depth: int, texts: Sequence[str]) -> str:
    wrappers = "".join("    " * level + "if True:\n" for level in range(depth))
    return "".join(wrappers + "    " * depth + text for text in texts)


def _split_docstrings(depth: int, formatted: str) -> list[str]:
    pieces: list[list[str]] = []
    skip = 0
    for line in formatted.splitlines(keepends=True):
        if line == "if True:\n":
            pieces.append([])
            skip = depth - 1
            continue
        if skip:
            skip -= 1
            continue
        pieces[-1].append(line[4 * depth :] if line.strip() else line)
    return ["".join(piece) for piece in pieces]


def _top_level_batch(texts: Sequence[str]) -> str:
    return "".join(text + "\n\n" + _CUT + "\n\n\n" for text in texts)


def _split_top_level(depth: int, formatted: str) -> list[str]:
    pieces = re.split(rf"^{_CUT}\n", formatted, flags=re.MULTILINE)[:-1]
    return [piece.strip("\n") + "\n" for piece in pieces]


def _format_group(kind: str, depth: int, texts: Sequence[str]) -> list[str]:
    """black over one batch of same-kind pieces; one formatted text per piece."""
    if kind == DOCSTRING and depth == 0:  # only a module's first statement is its docstring
        return [format_source(text, "a module docstring") for text in texts]
    if kind == STATEMENT:
        batch, split = _statement_batch(depth, texts), _split_statements
    elif kind == DOCSTRING:
        batch, split = _docstring_batch(depth, texts), _split_docstrings
    else:
        batch, split = _top_level_batch(texts), _split_top_level
    formatted = split(depth, format_source(batch, f"{len(texts)} {kind} piece(s)"))
    if len(formatted) != len(texts):
        raise FormatError(f"black returned {len(formatted)} {kind} pieces for {len(texts)}")
    return formatted


def _format_many(jobs: list[tuple[str, int, list[str]]]) -> list[list[str]]:
    return [_format_group(kind, depth, texts) for kind, depth, texts in jobs]


def format_pieces(pieces: Sequence[Piece], *, workers: int | None = None) -> dict[Piece, str]:
    """black's output for each distinct piece, spread over `workers` processes when it pays."""
    unique = sorted(set(pieces), key=lambda piece: (piece.kind, piece.depth, piece.text))
    if not unique:
        return {}
    groups: dict[tuple[str, int], list[Piece]] = {}
    for piece in unique:
        groups.setdefault((piece.kind, piece.depth), []).append(piece)
    size = sum(len(piece.text) for piece in unique)
    count = workers or _configured_workers()
    if count is None:  # as many as the cores, but only where each gets enough work to pay for a fork
        count = max(1, min(cores(), size // (PARALLEL_THRESHOLD // 2) if size >= PARALLEL_THRESHOLD else 1))
    count = min(count, len(unique))
    # Deal each group's pieces round-robin into `count` shares of about the same size.
    shares: list[list[tuple[str, int, list[str]]]] = [[] for _ in range(count)]
    members: list[list[list[Piece]]] = [[] for _ in range(count)]
    for (kind, depth), group in groups.items():
        for share in range(count):
            chosen = group[share::count]
            if chosen:
                shares[share].append((kind, depth, [piece.text for piece in chosen]))
                members[share].append(chosen)
    if count == 1:
        results = [_format_many(shares[0])]
    else:
        results = _in_processes(shares)
    out: dict[Piece, str] = {}
    for share_members, share_results in zip(members, results):
        for chosen, formatted in zip(share_members, share_results):
            out.update(zip(chosen, formatted))
    return out


def _configured_workers() -> int | None:
    configured = os.environ.get("SCHEMAGEN_JOBS", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else None


def _in_processes(shares: list[list[tuple[str, int, list[str]]]]) -> list[list[list[str]]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import black  # noqa: F401  (imported once here, inherited by the forked workers)

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(shares) - 1, mp_context=context) as pool:
        futures = [pool.submit(_format_many, share) for share in shares[1:]]
        first = _format_many(shares[0])  # this process takes a share too
        return [first, *(future.result() for future in futures)]
