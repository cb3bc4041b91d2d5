"""An SMTP server for crates/madang/tests/mail.rs: PyPI's aiosmtpd on 127.0.0.1, on a free
port, that requires AUTH (PLAIN or LOGIN) with the user and password it is given and offers
no STARTTLS. Each message it accepts is parsed with Python's own e-mail package and written,
decoded, as one JSON file in FOLDER (0001.json, 0002.json, ...; written under another name
first, then renamed, so a reader never sees half a file). Each AUTH attempt adds a line to
FOLDER/auth.log. Prints "READY <port>" once it listens, then runs until it is killed.

    python3 smtpsink.py FOLDER USER PASSWORD
"""

import email
import email.policy
import json
import os
import socket
import sys
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

folder, user, password = sys.argv[1:4]
# AUTH without TLS is what this test wants (on loopback); the warning would only be noise.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")


class Handler:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "auto_submitted": str(message.get("Auto-Submitted", "")),
            "content_type": message.get_content_type(),
            "body": body.get_content() if body is not None else "",
            "auth_user": session.auth_data.login.decode()
            if isinstance(session.auth_data, LoginPassword)
            else None,
        }
        partial = os.path.join(folder, ".%04d.partial" % self.count)
        with open(partial, "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
        os.rename(partial, os.path.join(folder, "%04d.json" % self.count))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    good = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == user
        and auth_data.password.decode() == password
    )
    with open(os.path.join(folder, "auth.log"), "a", encoding="utf-8") as log:
        log.write("%s %s\n" % (mechanism, "ok" if good else "refused"))
    return AuthResult(success=good, auth_data=auth_data if good else None)


probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
controller = Controller(
    Handler(),
    hostname="127.0.0.1",
    port=port,
    authenticator=authenticator,
    auth_required=True,
    auth_require_tls=False,
)
controller.start()
print("READY %d" % port, flush=True)
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    pass
finally:
    controller.stop()
