"""The ``crmlab`` command: run studies, check data, summarise large logs, make student copies and grade them.

Every failure ends with one line on stderr, ``crmlab: error: …``, saying what to fix, and a non-zero
exit code (2 for a wrong command line, 1 for bad data or a failed run).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import yaml

__all__ = ["main"]

EXAMPLES = """examples:
  crmlab study list
  crmlab study new 订单.csv --lang zh
  crmlab study run own_data
  crmlab study run course
  crmlab study run studies/my_data_template.yaml -p cancellations=drop -p lang=zh
  crmlab data check orders.csv --customer-col client --date-col order_date --amount-col total
  crmlab data check 订单.csv --customer-col 客户编号 --date-col 订单日期 --amount-col 金额 --date-format %Y/%m/%d
  crmlab data check 订单.csv --customer-col 客户编号 --date-col 订单日期 --amount-col 金额 --lang zh
  crmlab summary orders.csv -o summary.parquet --time-unit W
  crmlab summary big_log.parquet -o summary.parquet --stream
  crmlab student-copy notebooks/0*.ipynb -o handout/
  crmlab student-copy notebooks/04_clv_probabilistic_models.ipynb --roster roster.csv -o handout/
  crmlab grade notebooks/04_clv_probabilistic_models.ipynb --submissions submitted/ --roster roster.csv -o grades.csv
"""


_ROLES = ("customer", "date", "amount", "quantity", "price", "invoice", "product")


class _Error(Exception):
    """A problem to report in one line."""


def _parameter(text: str) -> tuple[str, object]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"parameters are name=value, got {text!r}")
    return name.strip(), yaml.safe_load(value)  # numbers, booleans and lists parse as in a study file


def _column_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("column names (default: customer_id, date, amount)")
    group.add_argument("--preset", choices=["online_retail", "online_retail_ii"],
                       help="the column map of a bundled data set")
    for role in _ROLES:
        group.add_argument(f"--{role}-col", dest=role, metavar="NAME", help=f"the {role} column")


def _reading_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("how the file is written (default: detected)")
    group.add_argument("--encoding", help="text encoding, e.g. gb18030, latin-1 (default: UTF-8, UTF-16 or GB18030 "
                                          "by detection)")
    group.add_argument("--date-format", metavar="FORMAT",
                       help="strftime format of the dates, e.g. %%d/%%m/%%Y or %%Y年%%m月%%d日 (needed when the "
                            "day/month order cannot be told from the data)")
    group.add_argument("--decimal", choices=[".", ","], help="decimal mark of the amounts (1.234,50 needs ,)")
    group.add_argument("--sheet", default=0, metavar="NAME", help="Excel sheet (default: the first)")
    group.add_argument("--observation-end", metavar="DATE",
                       help="drop and count lines after this day (default: lines after today)")
    group.add_argument("--drop-invalid", action="store_true",
                       help="drop and count unparseable dates and amounts instead of stopping at them")
    group.add_argument("--utc", action="store_true", help="convert timestamps with different UTC offsets to UTC")
    policy = parser.add_argument_group("cleaning policy (as crmlab.transactions.clean and the study notebooks)")
    policy.add_argument("--cancellations", choices=["net", "drop"], default="net",
                        help="net returns against earlier purchases (default) or drop them")
    policy.add_argument("--duplicates", choices=["drop", "keep"], default="drop",
                        help="drop exact copies of a line (default) or keep them as genuine repeats")
    policy.add_argument("--zero-value", choices=["keep", "drop"], default="keep",
                        help="keep (default) or drop lines worth 0")
    parser.add_argument("--lang", choices=["en", "zh"], default="en",
                        help="language of the data-quality report: en (English, default) or zh (中文)")


def _column_map(args):
    from . import transactions

    if args.preset:
        return transactions.ONLINE_RETAIL if args.preset == "online_retail" else transactions.ONLINE_RETAIL_II
    return transactions.ColumnMap.from_roles({role: getattr(args, role) for role in _ROLES if getattr(args, role)})


def _clean(args):
    """The log and its report, cleaned as ``data check`` and ``summary`` both do."""
    from .transactions import clean

    invalid = "drop" if args.drop_invalid else "raise"
    sheet = int(args.sheet) if str(args.sheet).isdigit() else args.sheet
    return clean(args.file, _column_map(args), observation_end=args.observation_end, date_format=args.date_format,
                 decimal=args.decimal, encoding=args.encoding, sheet_name=sheet, invalid_dates=invalid,
                 invalid_amounts=invalid, mixed_time_zones="utc" if args.utc else "raise", lang=args.lang,
                 cancellations=args.cancellations, duplicates=args.duplicates, zero_value=args.zero_value)


# the Python keywords that crmlab's messages suggest, and how the command line spells them
_FLAGS = [
    (r"invalid_(?:dates|amounts)='drop'", "--drop-invalid"),
    (r"mixed_time_zones='utc'", "--utc"),
    (r"\bdate_format=('[^']*')", r"--date-format \1"),
    (r"\bdate_format=", "--date-format"),
    (r"\bdecimal=('[.,]')", r"--decimal \1"),
    (r"\bdecimal=", "--decimal"),
    (r"\bencoding='([^']*)'", r"--encoding \1"),
    (r"\bencoding=", "--encoding"),
    (r"\bsheet_name=", "--sheet"),
    (r"columns=ColumnMap\(customer=\.\.\., date=\.\.\., amount=\.\.\.\)",
     "--customer-col, --date-col and --amount-col"),
    (r"quantity=\.\.\. and price=\.\.\.", "--quantity-col and --price-col"),
    (r"ColumnMap\((customer|date)=\.\.\.\)", r"--\1-col"),
]


def _as_command_line(message: str) -> str:
    """A crmlab message with its Python keyword hints (``date_format='%d/%m/%Y'``) as command-line flags."""
    for pattern, flag in _FLAGS:
        message = re.sub(pattern, flag, message)
    return message


def _study_list(args) -> int:
    from .studies import list_studies, notebook_number

    for study in list_studies():
        notebooks = ", ".join(notebook_number(step.notebook) for step in study.steps)
        print(f"{study.name:<20} {study.title}  [notebooks {notebooks}]  ({study.source.name})")
    return 0


def _study_new(args) -> int:
    from .studies import OWN_DATA_NOTEBOOKS, new_study

    columns = {role: getattr(args, role) for role in _ROLES if getattr(args, role)} or None
    notebooks = OWN_DATA_NOTEBOOKS
    if args.notebooks:
        notebooks = [next((n for n in OWN_DATA_NOTEBOOKS if n.startswith(wanted)), wanted) for wanted in args.notebooks]
    target = new_study(args.file, name=args.name, notebooks=notebooks, lang=args.lang, columns=columns,
                       encoding=args.encoding, date_format=args.date_format, folder=args.folder)
    print(target.read_text(encoding="utf-8"))
    name = target.stem
    print(f"study {name!r} written to {target}; check it, then: crmlab study run {name}")
    return 0


def _study_run(args) -> int:
    from .studies import run_study

    output = run_study(args.study, overrides=dict(args.parameter or []), progress=not args.quiet,
                       html=not args.no_html, jobs=args.jobs)
    index = output / "index.html"
    opened = f"open {index} in a browser" if index.is_file() else f"report: {output}"
    print(f"{opened}  (manifest: {output / 'manifest.json'})")
    return 0


def _data_check(args) -> int:
    _, report = _clean(args)
    print(report)
    return 0


def _summary(args) -> int:
    from tqdm.auto import tqdm

    from .summary import customer_summary

    output = Path(args.output)
    start = time.perf_counter()
    # no bar when stderr is not a terminal; a bar that clears itself, so an error stays one line
    with tqdm(total=3, desc="summary", unit="step", disable=True if args.quiet else None, leave=False) as steps:
        if args.stream:
            from .streaming import check_large_log

            steps.set_postfix_str("checking with DuckDB")
            log, report = check_large_log(args.file, _column_map(args), observation_end=args.observation_end,
                                          invalid_amounts="drop" if args.drop_invalid else "raise")
        else:
            steps.set_postfix_str("cleaning")
            log, report = _clean(args)
        steps.update()
        steps.set_postfix_str("summarising")
        table = customer_summary(log, observation_end=args.observation_end, time_unit=args.time_unit)
        steps.update()
        steps.set_postfix_str(f"writing {output.name}")
        output.parent.mkdir(parents=True, exist_ok=True)
        table.to_parquet(output)
        quality = output.with_name(output.stem + ".quality.txt")
        quality.write_text(str(report) + "\n", encoding="utf-8")
        steps.update()
    print(f"{len(table):,} customers written to {output} in {time.perf_counter() - start:.1f} s, from "
          f"{report.rows_kept:,} of {report.rows_in:,} lines (dropped: {report.reasons()}); data-quality report: "
          f"{quality}")
    if args.stream:
        print(f"crmlab: warning: NOT CLEANED — {report.notes[0]}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="crmlab", description="A reproducible CRM analytics lab.",
                                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"crmlab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    study = commands.add_parser("study", help="list or run studies (studies/*.yaml)")
    study_commands = study.add_subparsers(dest="study_command", required=True, metavar="list|new|run")
    study_commands.add_parser("list", help="the lab's studies").set_defaults(handler=_study_list)
    new = study_commands.add_parser(
        "new", help="inspect your transaction file and write a study of it (studies/<name>.yaml)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  crmlab study new 订单.csv                 # columns, encoding and date format proposed\n"
               "  crmlab study new 订单.csv --lang zh --notebooks 03 04\n"
               "  crmlab study new orders.csv --date-format %%d/%%m/%%Y --name shop_2023")
    new.add_argument("file", help="CSV, TSV, TXT, Parquet or Excel file")
    new.add_argument("--name", help="the study's name (default: the file's name, made unique)")
    new.add_argument("--notebooks", nargs="+", metavar="NN",
                     help="the notebooks to run, by number (default: 01 02 03 04 08)")
    new.add_argument("--lang", choices=["en", "zh"], default="en", help="edition of the notebooks: en or zh (中文)")
    new.add_argument("--encoding", help="text encoding (default: detected — UTF-8, UTF-8 with BOM, UTF-16, GB18030)")
    new.add_argument("--date-format", metavar="FORMAT",
                     help="strftime format of the dates, e.g. %%d/%%m/%%Y (default: settled from the data)")
    new.add_argument("--folder", type=Path, default=None, help="where to write the study (default: studies/)")
    for role in _ROLES:
        new.add_argument(f"--{role}-col", dest=role, metavar="NAME", help=f"the {role} column (default: proposed)")
    new.set_defaults(handler=_study_new)
    run = study_commands.add_parser(
        "run", help="run a study into reports/<study>/<timestamp>/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  crmlab study run course          # the English edition\n"
               "  crmlab study run course_zh       # the Chinese edition (中文版)\n"
               "  crmlab study run course -p seed=3 --jobs 1")
    run.add_argument("study", help="a study file, or the name of one in studies/ (e.g. course)")
    run.add_argument("-p", "--parameter", action="append", type=_parameter, metavar="NAME=VALUE",
                     help="override a parameter in every notebook that declares it (repeatable)")
    run.add_argument("--no-html", action="store_true", help="skip the HTML pages and the index")
    run.add_argument("-j", "--jobs", type=int, default=None,
                     help="notebooks run at once (default: the machine's cores, at most 2)")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    run.set_defaults(handler=_study_run)

    data = commands.add_parser("data", help="check a transaction log")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="check")
    check = data_commands.add_parser("check", help="print the data-quality report of a log",
                                     epilog="example:\n  crmlab data check orders.csv --customer-col client "
                                            "--date-col day --amount-col total",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("file", help="CSV, TSV, TXT, Parquet or Excel file")
    _reading_arguments(check)
    _column_arguments(check)
    check.set_defaults(handler=_data_check)

    summary = commands.add_parser(
        "summary", help="customer summary (frequency, recency, T, monetary) of a file",
        description="Clean the log exactly as `crmlab data check` does (same rules, same counts), summarise it, "
                    "and write the summary with its data-quality report (OUTPUT stem + .quality.txt). "
                    "A Parquet file too large for memory can be --stream'ed through DuckDB instead: then only "
                    "missing ids, dates and amounts, infinite amounts and lines after the observation end are "
                    "checked — duplicates, cancellations, negative and zero amounts are NOT.",
        epilog="examples:\n  crmlab summary orders.csv -o summary.parquet --time-unit W\n"
               "  crmlab summary big.parquet -o summary.parquet --stream",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    summary.add_argument("file", help="CSV, TSV, TXT, Parquet or Excel file (with --stream: Parquet)")
    summary.add_argument("-o", "--output", required=True, help="output Parquet file")
    summary.add_argument("--time-unit", default="D", choices=["D", "W", "M"], help="unit of recency and T")
    summary.add_argument("--stream", action="store_true",
                         help="scan a large Parquet file with DuckDB without loading it; NOT fully cleaned "
                              "(duplicates, cancellations, negative and zero amounts are not checked)")
    summary.add_argument("-q", "--quiet", action="store_true", help="no progress indication")
    _reading_arguments(summary)
    _column_arguments(summary)
    summary.set_defaults(handler=_summary)

    from .teaching.commands import add_commands as add_teaching_commands

    add_teaching_commands(commands)  # student-copy, grade
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .errors import CrmlabError

    try:
        return args.handler(args)
    except (_Error, CrmlabError, ValueError, OSError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        if args.command in ("data", "summary", "study"):
            message = _as_command_line(message)
        print(f"crmlab: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("crmlab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
