#!/usr/bin/env python3
"""Reads a captured message: mailread.py FILE WHAT, WHAT = link | to |
subject | rcpt | body | parts (number of MIME parts) | from."""
import email
import email.policy
import re
import sys

with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
what = sys.argv[2]
if what == "link":
    m = re.search(r"https?://\S+/mail/[0-9a-f]{64}", msg.get_content())
    print(m.group(0) if m else "")
elif what == "to":
    print(msg["To"])
elif what == "from":
    print(msg["From"])
elif what == "subject":
    print(msg["Subject"])
elif what == "rcpt":
    print(",".join(msg.get_all("X-Sink-Rcpt")))
elif what == "body":
    print(msg.get_content())
elif what == "parts":
    print(len(list(msg.walk())))
