"""The command line framework's own words in Vietnamese: "Usage:", "Options", "--help"'s
line, "[required]", and its error messages ("Missing option", "No such option"...).

Typer (with the click it carries) writes these in English and offers no translation, so the
`broadcast` command is run through :func:`run`, which gives every command a help formatter
that writes them in Vietnamese and reports a usage error in one Vietnamese line. Only typer
is imported here: ``broadcast --help`` stays quick.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

import typer

SECTIONS = {"Options": "Tuỳ chọn", "Arguments": "Tham số", "Commands": "Lệnh"}
USAGE_PREFIX = "Cách dùng: "
HELP_LINE = "Hiện hướng dẫn này rồi thoát."
_METAVARS = (("[OPTIONS]", "[TUỲ CHỌN]"), ("COMMAND [ARGS]...", "LỆNH [THAM SỐ]..."))
# The notes typer puts in brackets after an option's help: "[default: 200; required]".
_NOTES = (
    (re.compile(r"\bdefault: "), "mặc định: "),
    (re.compile(r"\brequired\b"), "bắt buộc"),
    (re.compile(r"\benv var: "), "biến môi trường: "),
)
_TYPE_NAMES = {"<str>": "<chữ>", "<int>": "<số>", "<float>": "<số>", "<path>": "<tệp>"}
# typer carries its own click: its UsageError is found through the one it exports.
USAGE_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)
_PARAM_KINDS = {"option": "tuỳ chọn", "argument": "tham số", "parameter": "tham số"}
# Messages of typer's parameter types, for "Giá trị không hợp lệ cho …: …".
_VALUE_MESSAGES = (
    (re.compile(r"^'(.*)' is not a valid integer( range)?\.?$"), "“{0}” không phải là số nguyên."),
    (re.compile(r"^'(.*)' is not a valid float( range)?\.?$"), "“{0}” không phải là số."),
    (re.compile(r"^'(.*)' is not one of (.*)\.$"), "“{0}” không nằm trong các giá trị {1}."),
    (re.compile(r"^'(.*)' is not a valid boolean\.?$"), "“{0}” phải là có/không (yes/no)."),
    (re.compile(r"^(?:File|Path|Directory) '(.*)' does not exist\.$"), "không có tệp “{0}”."),
    (re.compile(r"^Input should be a valid integer\b.*$"), "phải là số nguyên."),
    (re.compile(r"^Input should be a valid number\b.*$"), "phải là số."),
    (re.compile(r"^Input should be a valid boolean\b.*$"), "phải là có/không (yes/no)."),
)


def _notes(text: str) -> str:
    """Translate the bracketed notes at the end of a help text."""
    match = re.search(r"\[([^\[\]]*)\]\s*$", text)
    if match is None:
        return text
    inner = match.group(1)
    for pattern, words in _NOTES:
        inner = pattern.sub(words, inner)
    return text[: match.start(1)] + inner + text[match.end(1):]


def _term(text: str) -> str:
    for english, vietnamese in _TYPE_NAMES.items():
        text = text.replace(english, vietnamese)
    return text


def _formatter_class(base: type) -> type:
    class VietnameseHelpFormatter(base):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            for english, vietnamese in _METAVARS:
                args = args.replace(english, vietnamese)
            super().write_usage(prog, _term(args), USAGE_PREFIX if prefix is None else prefix)

        def section(self, name: str) -> Any:
            return super().section(SECTIONS.get(name, name))

        def write_dl(self, rows: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
            rows = [
                (_term(term), HELP_LINE if text == "Show this message and exit." else _notes(text))
                for term, text in rows
            ]
            super().write_dl(rows, *args, **kwargs)

    return VietnameseHelpFormatter


def _commands(command: Any) -> Iterator[Any]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _commands(sub)


def localize(command: Any) -> Any:
    """Give ``command`` and its subcommands help in Vietnamese (returns ``command``)."""
    base_context = command.context_class
    formatter = _formatter_class(base_context.formatter_class)
    context = type("VietnameseContext", (base_context,), {"formatter_class": formatter})
    for each in _commands(command):
        each.context_class = context
    return command


def _hint(error: Any) -> str:
    hint = getattr(error, "param_hint", None)
    param = getattr(error, "param", None)
    if hint is None and param is not None:
        hint = param.get_error_hint()
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(hint)
    return str(hint) if hint else ""


def usage_error_text(error: Any) -> str:
    """The Vietnamese sentence for one of typer's usage errors."""
    name = type(error).__name__
    message = str(getattr(error, "message", "") or "")
    if name == "MissingParameter":
        kind = str(
            getattr(error, "param_type", None)
            or getattr(getattr(error, "param", None), "param_type_name", "parameter")
        )
        hint = _hint(error)
        return f"Thiếu {_PARAM_KINDS.get(kind, 'tham số')}{' ' + hint if hint else ''}."
    if name == "NoSuchOption":
        found = f"Không có tuỳ chọn {error.option_name}."
        possible = getattr(error, "possibilities", None)
        return found + (f" Có phải ý bạn là: {', '.join(sorted(possible))}?" if possible else "")
    if name == "BadParameter":
        for pattern, words in _VALUE_MESSAGES:
            match = pattern.match(message)
            if match is not None:
                message = words.format(*match.groups())
                break
        hint = _hint(error)
        return f"Giá trị không hợp lệ cho {hint}: {message}" if hint else (
            f"Giá trị không hợp lệ: {message}"
        )
    match = re.match(r"^No such command '(.*)'\.$", message)
    if match is not None:
        return f"Không có lệnh “{match.group(1)}”."
    match = re.match(r"^Got unexpected extra arguments? \((.*)\)$", message)
    if match is not None:
        return f"Thừa tham số: {match.group(1)}."
    if message == "Missing command.":
        return "Thiếu lệnh."
    return message


def _fail(error: Any) -> NoReturn:
    ctx = getattr(error, "ctx", None)
    if type(error).__name__ == "NoArgsIsHelpError":  # the command alone: its help
        typer.echo(ctx.get_help() if ctx is not None else error.format_message(), err=True)
        raise SystemExit(error.exit_code)
    if ctx is not None:
        typer.echo(ctx.get_usage(), err=True)
        typer.echo(f"Xem “{ctx.command_path} --help” để biết cách dùng.", err=True)
    typer.echo(f"Lỗi: {usage_error_text(error)}", err=True)
    raise SystemExit(error.exit_code)


def run(app: typer.Typer, args: Sequence[str] | None = None, prog_name: str = "broadcast") -> None:
    """Run the typer application with its help and usage errors in Vietnamese; exits."""
    command = localize(typer.main.get_command(app))
    try:
        result = command.main(
            args=list(sys.argv[1:] if args is None else args), prog_name=prog_name,
            standalone_mode=False,
        )
    except USAGE_ERROR as exc:
        _fail(exc)
    except typer.Abort:
        typer.echo("\nĐã huỷ.", err=True)
        raise SystemExit(1) from None
    raise SystemExit(result if isinstance(result, int) else 0)


# --- questions asked at the terminal --------------------------------------------------------

_YES = frozenset({"c", "co", "có", "y", "yes"})
_NO = frozenset({"k", "khong", "không", "n", "no", ""})


def ask_yes_no(question: str) -> bool:
    """Ask until the answer is yes ("c", "có", "y") or no ("k", "không", "n", Enter)."""
    while True:
        answer = typer.prompt(f"{question} [c/K]", default="", show_default=False)
        word = answer.strip().lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
        typer.echo("Hãy gõ c (có) hoặc k (không).", err=True)


def ask_new_password(label: str, min_length: int, *, not_done: str, tries: int = 3) -> str:
    """A new password typed twice (hidden). Too short: ``ConfigError`` at once (exit code of
    the settings); two different entries: asked again, ``ConfigError`` after ``tries``."""
    from broadcast.errors import ConfigError

    for _ in range(tries):
        first = typer.prompt(f"{label} (ít nhất {min_length} ký tự)", hide_input=True)
        if len(first) < min_length:
            raise ConfigError(
                f"Mật khẩu quá ngắn: cần ít nhất {min_length} ký tự, mới có {len(first)}. "
                + not_done,
                code="password_too_short",
            )
        if typer.prompt("Nhập lại mật khẩu để xác nhận", hide_input=True) == first:
            return first
        typer.echo("Hai lần nhập không giống nhau, hãy nhập lại.", err=True)
    raise ConfigError(
        f"Hai lần nhập mật khẩu không giống nhau. {not_done}", code="password_mismatch"
    )
