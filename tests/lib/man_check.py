#!/usr/bin/env python3
"""man_check.py BONES MANDIR: checks the man pages against the live verb
registry.  For every verb `BONES help` lists: MANDIR/bones-VERB.1 exists;
every long option `--x` printed by `BONES VERB --help` and by each
`BONES VERB SUB --help` appears in that page; every sub-verb has its own
`.Ss SUB` subsection.  Prints one line per problem; exit 1 when any."""
import os, re, subprocess, sys

bones, mandir = sys.argv[1], sys.argv[2]


def run(*args):
    return subprocess.run([bones, *args], capture_output=True, text=True).stdout


def listed(text, header):
    names, on = [], False
    for line in text.splitlines():
        if line.startswith(header):
            on = True
            continue
        if on:
            m = re.match(r"  (\S+)\s", line)
            if not m:
                break
            names.append(m.group(1))
    return names


def options(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", text))


problems = []
verbs = listed(run("help"), "verbs:")
if len(verbs) < 10:
    problems.append("`bones help` listed only %d verbs" % len(verbs))
for verb in verbs:
    page = os.path.join(mandir, "bones-%s.1" % verb)
    if not os.path.exists(page):
        problems.append("%s: no man page for the verb %s" % (page, verb))
        continue
    src = open(page, encoding="utf-8").read()
    text = src.replace("\\-", "-").replace("\\e", "\\")
    text = re.sub(r"\bFl -(?=[a-z])", "--", text)  # mdoc: ".Fl -fix" renders --fix
    helps = {verb: run(verb, "--help")}
    for sub in listed(helps[verb], "sub-verbs:"):
        helps["%s %s" % (verb, sub)] = run(verb, sub, "--help")
        if not re.search(r"^\.Ss %s$" % re.escape(sub), src, re.M):
            problems.append("%s: no subsection (.Ss) for `bones %s %s`" % (page, verb, sub))
    for what, help_text in helps.items():
        for opt in sorted(options(help_text)):
            if opt not in text and opt not in ("--help", "--json"):
                problems.append("%s: `bones %s --help` shows %s, the page does not" % (page, what, opt))
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
