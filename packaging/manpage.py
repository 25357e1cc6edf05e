#!/usr/bin/env python3
"""Turns `opensensor --experimental-dump-help` (swift-argument-parser's JSON of the whole command
tree) into one roff man page, opensensor(1), with every subcommand and option. The page is made
from the same text `--help` prints, so the two cannot drift apart.

    opensensor --experimental-dump-help | manpage.py --version 0.1.0 --date 2026-12-04 > opensensor.1
"""
import argparse
import json
import re
import sys


def roff(text):
    """Plain text as roff: backslashes and a leading dot or quote neutralised, option-like
    dashes as minus signs (so they can be searched and copied), other non-ASCII as groff's
    \\[uXXXX] escapes (the page then reads the same under any locale)."""
    text = text.replace("\\", "\\e")
    text = re.sub(r"(?<![\w-])(--?)(?=[A-Za-z0-9])", lambda m: "\\-" * len(m.group(1)), text)
    out = []
    for ch in text:
        if ord(ch) < 128:
            out.append(ch)
        elif ch == "\u2014":
            out.append("\\(em")
        elif ch == "\u2013":
            out.append("\\(en")
        else:
            out.append("\\[u%04X]" % ord(ch))
    lines = "".join(out).split("\n")
    return "\n".join("\\&" + line if line[:1] in (".", "'") else line for line in lines)


def paragraphs(text):
    """Discussion text as roff paragraphs (blank lines separate them)."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return [".PP\n" + roff(p) for p in parts]


def shown(items):
    return [i for i in items if i.get("shouldDisplay", True)]


def option_head(arg):
    """The .TP head of one argument: every name, then the value it takes."""
    if arg["kind"] == "positional":
        head = "\\fI" + roff(arg["valueName"]) + "\\fR"
        return head + ("\\ ..." if arg.get("isRepeating") else "")
    names = []
    for name in arg.get("names", []):
        dashes = "\\-" if name["kind"] in ("short", "longWithSingleDash") else "\\-\\-"
        names.append("\\fB" + dashes + roff(name["name"]) + "\\fR")
    head = ", ".join(names)
    if arg["kind"] == "option":
        head += " \\fI" + roff(arg.get("valueName", "value")) + "\\fR"
    return head


def option_body(arg):
    text = arg.get("abstract", "").strip()
    extras = []
    if "defaultValue" in arg:
        extras.append("default: " + arg["defaultValue"])
    if arg.get("allValues"):
        extras.append("one of: " + ", ".join(arg["allValues"]))
    if arg.get("isRepeating") and arg["kind"] == "option":
        extras.append("may be repeated")
    if extras:
        text = (text + " " if text else "") + "(" + "; ".join(extras) + ")"
    body = roff(text) if text else ""
    if arg.get("discussion"):
        body += "\n" + "\n".join(paragraphs(arg["discussion"]))
    return body


def usage(path, cmd):
    """The synopsis of one command: its path, then options and positionals in order."""
    parts = ["\\fB" + roff(" ".join(path)) + "\\fR"]
    if shown(cmd.get("subcommands", [])):
        parts.append("\\fIcommand\\fR")
    for arg in shown(cmd.get("arguments", [])):
        if arg["kind"] == "positional":
            parts.append(option_head(arg) if not arg.get("isOptional") else "[" + option_head(arg) + "]")
    if any(a["kind"] != "positional" for a in shown(cmd.get("arguments", []))):
        parts.append("[\\fIoptions\\fR]")
    return " ".join(parts)


def section_for(path, cmd, out):
    """One command's subsection, then its subcommands'."""
    if len(path) > 1:
        out.append('.SS "' + " ".join(roff(p) for p in path) + '"')
        out.append(usage(path, cmd))
        if cmd.get("abstract"):
            out.append(".PP\n" + roff(cmd["abstract"].strip()))
        out.extend(paragraphs(cmd.get("discussion")))
        for arg in shown(cmd.get("arguments", [])):
            if arg.get("preferredName", {}).get("name") in ("help", "version") and arg["kind"] == "flag":
                continue  # every command has them; said once under OPTIONS
            out.append(".TP\n" + option_head(arg) + "\n" + option_body(arg))
    for sub in shown(cmd.get("subcommands", [])):
        if sub["commandName"] == "help":
            continue  # `opensensor help X` is `opensensor X --help`, said under OPTIONS
        section_for(path + [sub["commandName"]], sub, out)


def page(tree, version, date):
    root = tree["command"]
    name = root["commandName"]
    abstract = root.get("abstract", "").strip().rstrip(".")
    whatis = abstract[:1].lower() + abstract[1:]
    out = [
        '.\\" Generated from `%s --experimental-dump-help` by packaging/manpage.py; do not edit.' % name,
        '.TH %s 1 "%s" "%s %s" "User Commands"' % (name.upper(), date, name, version),
        # Key names and paths are long words; broken with a hyphen they could not be copied.
        ".nh",
        ".ad l",
        ".SH NAME",
        "%s \\- %s" % (roff(name), roff(whatis)),
        ".SH SYNOPSIS",
        usage([name], root),
        ".SH DESCRIPTION",
        ".PP\n" + roff(root.get("abstract", "").strip()),
    ]
    out.extend(paragraphs(root.get("discussion")))
    out.append(".PP\nEach command is described under \\fBCOMMANDS\\fR below; \\fB%s\\fR \\fIcommand\\fR "
               "\\fB\\-\\-help\\fR prints the same text." % roff(name))
    out.append(".SH OPTIONS")
    for arg in shown(root.get("arguments", [])):
        out.append(".TP\n" + option_head(arg) + "\n" + option_body(arg))
    out.append(".PP\nEvery command also takes \\fB\\-h\\fR, \\fB\\-\\-help\\fR.")
    out.append(".SH COMMANDS")
    section_for([name], root, out)
    out.append(".SH ENVIRONMENT")
    out.append(".PP\nSettings come from flags, then the environment, then \\fI.env\\fR in the working "
               "directory (or \\fB\\-\\-env\\-file\\fR), then the defaults. \\fB%s info \\-\\-keys\\fR "
               "lists every \\fBOPENSENSOR_*\\fR key with its default and what it allows." % roff(name))
    out.append(".SH FILES")
    out.append(".TP\n\\fI.env\\fR\nThe station's configuration, written by \\fB%s setup\\fR." % roff(name))
    out.append(".TP\n\\fI/etc/systemd/system/opensensor.service\\fR\nThe unit \\fB%s service setup\\fR "
               "installs; removing the package leaves it, and the data, in place." % roff(name))
    out.append(".SH SEE ALSO")
    out.append(".PP\n\\fI/usr/share/doc/opensensor/README.md.gz\\fR")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--version", required=True)
    ap.add_argument("--date", required=True, help="YYYY-MM-DD, for the page footer")
    ap.add_argument("input", nargs="?", help="the dump-help JSON (default: stdin)")
    args = ap.parse_args()
    tree = json.load(open(args.input) if args.input else sys.stdin)
    sys.stdout.write(page(tree, args.version, args.date))


if __name__ == "__main__":
    main()
