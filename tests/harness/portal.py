#!/usr/bin/python3
"""The demo "portal": an HTTPS server that requires a client certificate from a given CA and
answers with the holder's name and codice fiscale from that certificate and the TLS version.

    portal.py --port N --cert SERVER.pem --key SERVER.key --ca CA.pem --ready-file FILE
              [--host 127.0.0.1] [--seclevel N] [--tls-max 1.2|1.3]

GET / answers in text; GET /?format=json (or Accept: application/json) in JSON. With --port 0
the system picks a free port. The ready file is written (atomically) once the server listens;
it holds the port number, so scripts await it instead of sleeping. Each connection is handled
in its own thread, TLS handshake included, so concurrent clients really are concurrent.
"""
import argparse
import http.server
import json
import os
import ssl
import sys


def subject_fields(cert):
    """Flatten getpeercert()'s subject into {attribute name: value}."""
    fields = {}
    for rdn in cert.get("subject", ()):
        for name, value in rdn:
            fields[name] = value
    return fields


def holder(cert):
    """Name and codice fiscale of a CNS certificate's holder (docs/card.md: CN = CF/serial.hash)."""
    f = subject_fields(cert)
    cn = f.get("commonName", "")
    cf = f.get("serialNumber") or cn.split("/", 1)[0]
    # Some issuers prefix the serialNumber attribute with "TINIT-" (ETSI EN 319 412-1).
    if cf.startswith("TINIT-"):
        cf = cf[len("TINIT-"):]
    name = " ".join(x for x in (f.get("givenName"), f.get("surname")) if x) or cn
    return {"name": name, "codice_fiscale": cf, "subject_cn": cn}


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "tscns-portal/1"
    # Headers and body go out in separate writes: without TCP_NODELAY each answer waits for
    # the client's delayed ACK (about 40 ms), which would swamp the card's timing.
    disable_nagle_algorithm = True

    def setup(self):
        # The handshake happens here, in the connection's own thread.
        self.request.do_handshake()
        super().setup()

    def finish(self):
        super().finish()
        # close_notify, so that the client sees the end of the answer and not a truncation.
        try:
            self.request.unwrap()
        except (OSError, ValueError):
            pass

    def do_GET(self):
        cert = self.connection.getpeercert()
        if not cert:
            self.send_error(403, "client certificate required")
            return
        answer = holder(cert)
        answer["tls_version"] = self.connection.version()
        want_json = "format=json" in self.path or "application/json" in self.headers.get(
            "Accept", "")
        if want_json:
            body = json.dumps(answer, sort_keys=True).encode() + b"\n"
            ctype = "application/json"
        else:
            body = ("Benvenuto, %s\ncodice fiscale: %s\nTLS: %s\n" %
                    (answer["name"], answer["codice_fiscale"], answer["tls_version"])).encode()
            ctype = "text/plain; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("portal: %s - %s\n" % (self.address_string(), fmt % args))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that fails the handshake (refused certificate) is an expected event here.
        sys.stderr.write("portal: %s: %s\n" % (client_address[0], sys.exc_info()[1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True, help="server certificate (PEM)")
    ap.add_argument("--key", required=True, help="server key (PEM)")
    ap.add_argument("--ca", required=True, help="CA that issues the client certificates")
    ap.add_argument("--ready-file", required=True)
    ap.add_argument("--seclevel", type=int, default=None,
                    help="OpenSSL security level (1 accepts RSA-1024 client certificates)")
    ap.add_argument("--tls-max", choices=("1.2", "1.3"), default="1.3")
    args = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = (ssl.TLSVersion.TLSv1_3 if args.tls_max == "1.3"
                           else ssl.TLSVersion.TLSv1_2)
    if args.seclevel is not None:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=%d" % args.seclevel)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cafile=args.ca)
    ctx.load_cert_chain(args.cert, args.key)

    httpd = Server((args.host, args.port), Handler)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True,
                                   do_handshake_on_connect=False)
    tmp = args.ready_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % httpd.server_address[1])
    os.replace(tmp, args.ready_file)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
