"""An SMTP server for the tests: aiosmtpd on 127.0.0.1 with STARTTLS required.

Usage: smtpd.py PORT MAILDIR CERT KEY

Each mail is written to MAILDIR/NNNN.eml whole (written beside, then renamed), and its
attachments into MAILDIR/NNNN/ under their file names, so a test can read them back.
"""
import email
import email.policy
import pathlib
import ssl
import sys
import threading

from aiosmtpd.controller import Controller

port, maildir, cert, key = int(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4]
lock = threading.Lock()


class Save:
    async def handle_DATA(self, server, session, envelope):
        with lock:
            n = len(list(maildir.glob("*.eml")))
            parts = maildir / f"{n:04}"
            parts.mkdir()
            msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            for part in msg.iter_attachments():
                name = pathlib.Path(part.get_filename() or "unnamed").name
                (parts / name).write_bytes(part.get_content() if isinstance(part.get_content(), bytes) else part.get_content().encode())
            tmp = maildir / f".{n:04}.part"
            tmp.write_bytes(envelope.original_content)
            tmp.rename(maildir / f"{n:04}.eml")
        return "250 OK"


ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)
controller = Controller(
    Save(), hostname="127.0.0.1", port=port, tls_context=ctx, require_starttls=True
)
controller.start()
print("READY", flush=True)
threading.Event().wait()
