#!/usr/bin/env python3
"""A local stand-in for IBM Cloud IAM's POST /identity/token (cr-token grant).

Speaks real TLS (Python's ssl over OpenSSL) with the test PKI from pki.sh,
validates the form like IAM, issues JWT-shaped access tokens, and can be
scripted to misbehave, one connection at a time.

Script: the file DIR/script holds one line per connection, each a list of
words; the first line is used and removed, the last one stays. Words:

  cert=NAME        server chain NAME-chain.pem of test/pki.sh: rsa (default), ec,
                   g3, p256, badsig, wrongcurve, k256, expired, wrongname, rogue,
                   weakrsa (an RSA-1024 leaf under rsa-int, names as rsa)
  tls=tls13        offer TLS 1.3 only (crtoken speaks 1.2: handshake fails)
  tls=cbc          TLS 1.2 with a CBC suite only (no suite in common)
  tls=p256, tls=p384  ECDHE on that curve only (not x25519)
  tls=hang         accept the TCP connection, never start TLS
  tls=close        read the ClientHello, then close the connection
  tls=stall:K      handshake through memory BIOs; forward only the first K TLS
                   records the server produces (handshake and answer alike),
                   then send nothing more and hold the connection open until
                   the client closes or HANG_MAX (K=0: read the ClientHello,
                   never answer)
  resp=ok          a normal answer after validating the form (default)
  resp=chunked     the answer in chunks, Transfer-Encoding: chunked
  resp=bytewise    the answer one byte per TLS record
  resp=close       the answer with neither Content-Length nor chunked: the
                   body ends with the connection (close_notify unless notify=0)
  resp=hang        read the request, never answer
  resp=dribble     answer one byte every 0.25 s
  resp=garbage     not HTTP
  resp=badjson     200 with a body that is not valid JSON ({"a":1,})
  resp=noaccess    200 with JSON lacking access_token
  resp=huge        200 with a 100000-byte body
  resp=truncated   Content-Length larger than what is sent, then close
  resp=html        503 with an HTML body (a proxy's error page)
  status=N         answer HTTP N (any 0..999, "HTTP/1.1 %03d ...") with IAM's
                   error JSON (errorCode from code=)
  rawstatus=TEXT   TEXT ("_" stands for a space) is the whole status line;
                   the rest of the answer is what it would have been
  okstatus=N       the normal success (token issued and logged) but with
                   status code N instead of 200 (201, 204, 299, 302...)
  code=BXNIM...    errorCode for status=N
  retry=V          send Retry-After: V ("_" stands for a space)
  echo             with status=N: quote the CR token and the form in errorDetails
  echosig          with status=N: quote only the CR token's signature in errorDetails,
                   in two pieces
  expires=N        expires_in of issued tokens (default 3600; any integer);
                   the token's JWT exp claim is int(now)+N
  expiration=N     the answer's expiration field is the epoch N instead;
                   expiration=rel:N makes it now+N
  expires_raw=J    the JSON text J, verbatim, is the value of expires_in
                   ("3600" as a string, 1e3, null, 3600.5...)
  noexp            leave expires_in and expiration out of the answer
  access=TEXT      issue TEXT as the access token (not a JWT, a JWT without exp...)
  oversize         add headers until the answer's head is over 16 KiB
  cut=N            send only the first N bytes of the whole HTTP answer
                   (head and body, whatever the framing), then close
  notify=0         close the TCP connection without a TLS close_notify

TLS close: unless notify=0, every TLS connection the stand-in closes after a
handshake ends with its close_notify (SSL shutdown, errors ignored) before
the TCP close. A hold (tls=hang, resp=hang, tls=stall) ends when the client
closes or after HANG_MAX seconds.

Every request is appended to DIR/requests.jsonl (method, path, headers,
form, raw, sni, conn: the connection's number); every issued access token
to DIR/issued, and as a JSON line {"conn": n, "token": ..., "time": time.time()
at issue} to DIR/issued.jsonl; every connection adds a line to DIR/connections and, when it
ends, a JSON line to
DIR/timeline.jsonl: {"conn": n (1, 2, ...), "accept": time.time() at accept,
"answer": time.time() just before the first byte of the HTTP answer or null,
"end": time.time() at the close, "status": the status code sent (the raw
line for rawstatus) or null, "words": the words}. The accepted profile is
PROFILE_ID / PROFILE_NAME / PROFILE_CRN below; a CR token must be a JWT
whose payload has sub system:serviceaccount:<ns>:<sa>, aud containing
"iam" and a lifetime of at most 3600 s; if DIR/expect_cr exists, the
cr_token must equal its content.

Run alone: iam.py --dir DIR [--host ADDR] [--port N]; it writes the port
to DIR/port.
"""
import base64
import json
import os
import socket
import ssl
import sys
import threading
import time
import urllib.parse

PROFILE_ID = "Profile-9f1ab2c3-0000-4000-8000-00000000c0de"
PROFILE_NAME = "crtoken-test"
PROFILE_CRN = ("crn:v1:bluemix:public:iam-identity::a/0123456789abcdef0123456789abcdef"
               "::profile:" + PROFILE_ID)
GRANT = "urn:ibm:params:oauth:grant-type:cr-token"
HANG_MAX = 40.0  # seconds: every hang ends by itself


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64u_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def make_jwt(claims, header=None):
    header = header or {"alg": "RS256", "kid": "crtoken-test", "typ": "JWT"}
    sig = b64u(os.urandom(64))
    return "%s.%s.%s" % (b64u(json.dumps(header).encode()),
                         b64u(json.dumps(claims).encode()), sig)


def iam_error(code, message, details=None, status=400):
    body = {"errorCode": code, "errorMessage": message,
            "context": {"requestId": "req-%08x" % (int(time.time() * 1000) & 0xffffffff),
                        "requestType": "incoming.Identity_Token",
                        "userAgent": "crtoken", "url": "https://iam.cloud.ibm.com",
                        "instanceId": "iamid-standin", "threadId": "1",
                        "host": "standin", "startTime": "", "endTime": "",
                        "elapsedTime": "1", "locale": "en_US", "clusterName": "standin"}}
    if details:
        body["errorDetails"] = details
    return status, json.dumps(body)


REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable"}
RAW = "\x00expires_raw\x00"  # stands for expires_raw=J in the JSON until it is dumped


def hold(sock):
    """Keep a connection open, dropping what the client sends, until it
    closes or HANG_MAX seconds pass."""
    end = time.monotonic() + HANG_MAX
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        try:
            sock.settimeout(left)
            if not sock.recv(65536):
                return
        except (OSError, ssl.SSLError, ValueError):
            return


class Stalled(Exception):
    """tls=stall:K: the K records are sent; send nothing more."""


class BioSocket:
    """TLS through memory BIOs (tls=stall:K): an SSLObject whose output goes
    to the client whole record by record, at most `budget` records. Offers
    recv, sendall and unwrap like the SSLSocket that exchange() expects."""

    def __init__(self, conn, ctx, budget):
        self.conn, self.budget, self.held = conn, budget, b""
        self.done, self.answered = False, 0
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_side=True)

    def flush(self):
        self.held += self.out.read()
        while len(self.held) >= 5:
            n = 5 + int.from_bytes(self.held[3:5], "big")  # the record header's length
            if len(self.held) < n:
                return
            if self.budget <= 0:
                raise Stalled()
            self.conn.sendall(self.held[:n])
            self.held, self.budget = self.held[n:], self.budget - 1
            self.answered += self.done  # records after the handshake: the answer's

    def pump(self, op, *args):
        """Run op on the SSLObject, feeding it from the socket as it asks."""
        while True:
            try:
                r = op(*args)
                self.flush()
                return r
            except ssl.SSLWantReadError:
                self.flush()
                data = self.conn.recv(65536)
                if not data:
                    raise ConnectionError("closed by the client")
                self.inc.write(data)

    def handshake(self):
        self.pump(self.obj.do_handshake)
        self.done = True

    def recv(self, n):
        return self.pump(self.obj.read, n)

    def sendall(self, data):
        self.pump(self.obj.write, data)

    def settimeout(self, t):
        self.conn.settimeout(t)

    def unwrap(self):
        self.pump(self.obj.unwrap)


class Standin:
    def __init__(self, pki, state, host="127.0.0.1", port=0):
        self.pki = pki
        self.state = state
        self.lock = threading.Lock()
        self.contexts = {}
        self.count = 0  # connections accepted
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.create_server((host, port), family=family)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        os.makedirs(state, exist_ok=True)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    # ---- script ----
    def script(self, *lines):
        with open(os.path.join(self.state, "script"), "w") as f:
            f.write("".join(line + "\n" for line in lines) if lines else "")

    def next_words(self):
        path = os.path.join(self.state, "script")
        with self.lock:
            try:
                with open(path) as f:
                    lines = [l for l in f.read().splitlines() if l.strip()]
            except FileNotFoundError:
                lines = []
            if not lines:
                return {}
            if len(lines) > 1:
                with open(path, "w") as f:
                    f.write("\n".join(lines[1:]) + "\n")
            words = {}
            for w in lines[0].split():
                k, _, v = w.partition("=")
                words[k] = v
            return words

    def log(self, name, line):
        with self.lock:
            with open(os.path.join(self.state, name), "a") as f:
                f.write(line + "\n")

    # ---- TLS ----
    def context(self, cert, tls):
        key = (cert, tls)
        if key not in self.contexts:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.sni_callback = self.on_sni
            if cert == "weakrsa":  # OpenSSL's default level refuses a 1024-bit key
                ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            ctx.load_cert_chain(os.path.join(self.pki, cert + "-chain.pem"),
                                os.path.join(self.pki, cert + ".key"))
            if tls == "tls13":
                ctx.minimum_version = ssl.TLSVersion.TLSv1_3
            elif tls == "cbc":
                ctx.maximum_version = ssl.TLSVersion.TLSv1_2
                ctx.set_ciphers("ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA")
            elif tls in ("p256", "p384"):
                ctx.set_ecdh_curve({"p256": "prime256v1", "p384": "secp384r1"}[tls])
            self.contexts[key] = ctx
        return self.contexts[key]

    def on_sni(self, sock, name, ctx):
        try:
            sock.context_sni = name  # None when the client sent no SNI
        except AttributeError:  # an SSLObject (tls=stall) takes no attributes
            self.bio_sni = name

    def serve(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            accepted = time.time()
            with self.lock:
                self.count += 1
                n = self.count
            threading.Thread(target=self.handle, args=(conn, n, accepted), daemon=True).start()

    def stop(self):
        self.stopping = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() in serve()
        except OSError:
            pass
        self.sock.close()

    def handle(self, conn, n, accepted):
        words = self.next_words()
        self.log("connections", " ".join("%s=%s" % kv for kv in sorted(words.items())))
        rec = {"conn": n, "accept": accepted, "answer": None, "end": None,
               "status": None, "words": words}
        conn.settimeout(HANG_MAX)
        try:
            self.connection(conn, words, rec)
        except (OSError, ssl.SSLError, Stalled):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass
            rec["end"] = time.time()
            self.log("timeline.jsonl", json.dumps(rec))

    def connection(self, conn, words, rec):
        tls = words.get("tls", "")
        if tls == "hang":
            return hold(conn)
        if tls == "close":
            conn.recv(512)
            return
        if tls.startswith("stall:"):
            s = BioSocket(conn, self.context(words.get("cert", "rsa"), ""), int(tls[6:]))
            try:
                s.handshake()
                self.exchange(s, words, getattr(self, "bio_sni", None), rec)
                self.close_tls(s, words)
            except Stalled:
                hold(conn)
            return
        ctx = self.context(words.get("cert", "rsa"), tls)
        try:
            s = ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:  # conn is detached now: s owns the descriptor
            self.exchange(s, words, getattr(s, "context_sni", None), rec)
            self.close_tls(s, words)
        finally:
            s.close()

    def close_tls(self, s, words):
        """The server's close_notify, unless notify=0 (errors ignored)."""
        if words.get("notify") == "0":
            return
        try:
            s.settimeout(3)  # unwrap() waits for the client's close_notify
            s.unwrap()
        except (OSError, ssl.SSLError, ValueError):
            pass

    # ---- HTTP ----
    def read_request(self, s):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                return None
            data += chunk
            if len(data) > 1 << 20:
                return None
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        while len(body) < n:
            chunk = s.recv(65536)
            if not chunk:
                return None
            body += chunk
        return {"method": method, "path": path, "headers": headers,
                "body": body.decode("latin-1")}

    def exchange(self, s, words, sni, rec):
        req = self.read_request(s)
        if req is None:
            return
        form = urllib.parse.parse_qs(req["body"], keep_blank_values=True)
        self.log("requests.jsonl", json.dumps({
            "method": req["method"], "path": req["path"], "headers": req["headers"],
            "form": form, "raw": req["body"], "sni": sni, "conn": rec["conn"]}))
        resp = words.get("resp", "ok")
        if resp == "hang":
            return hold(s)
        if resp == "garbage":
            return self.transmit(s, b"HELLO THERE\r\n\r\n", words, rec, None)
        if "status" in words:
            code = words.get("code") or {400: "BXNIM0109E", 401: "BXNIM0407E",
                                         403: "BXNIM0399E", 429: "BXNIM0429E",
                                         500: "BXNIM0500E", 503: "BXNIM0503E"}.get(
                                             int(words["status"]), "BXNIM0000E")
            details = "The stand-in was told to fail with %s." % words["status"]
            if "echo" in words:  # a careless server that quotes the request back
                details += " You sent cr_token=%s and %s" % (form.get("cr_token", [""])[0],
                                                             req["body"][:200])
            message = "Scripted failure."
            if "echosig" in words:  # quotes only the CR token's signature, in two pieces
                sig = form.get("cr_token", [""])[0].rpartition(".")[2]
                details += " Signature starts %s, ends %s." % (sig[:len(sig) // 2],
                                                               sig[len(sig) // 2:])
            status, body = iam_error(code, message, details, int(words["status"]))
        elif resp == "html":
            status, body = 503, "<html><body>Service Unavailable</body></html>"
        else:
            status, body = self.validate(req, form, words, rec["conn"])
            if status == 200 and "okstatus" in words:
                status = int(words["okstatus"])
        self.send(s, status, body, words, rec,
                  "text/html" if resp == "html" else "application/json")

    def validate(self, req, form, words, conn=None):
        if req["method"] != "POST" or req["path"] != "/identity/token":
            return iam_error("BXNIM0404E", "Not found.", status=404)
        if req["headers"].get("content-type") != "application/x-www-form-urlencoded":
            return iam_error("BXNIM0109E", "Property missing or empty.",
                             "Content-Type must be application/x-www-form-urlencoded")
        for k, v in form.items():
            if len(v) != 1:
                return iam_error("BXNIM0109E", "Parameter given twice.", k)
        f = {k: v[0] for k, v in form.items()}
        if f.get("grant_type") != GRANT:
            return iam_error("BXNIM0103E", "Unsupported grant type.",
                             "grant_type %r" % f.get("grant_type"))
        cr = f.get("cr_token", "")
        if not cr:
            return iam_error("BXNIM0109E", "Property missing or empty.", "cr_token")
        expect = os.path.join(self.state, "expect_cr")
        if os.path.exists(expect) and cr != open(expect).read().strip():
            return iam_error("BXNIM0407E", "Provided token is invalid.",
                             "cr_token is not the expected token", 400)
        try:
            parts = cr.split(".")
            assert len(parts) == 3
            claims = json.loads(b64u_decode(parts[1]))
        except Exception:
            return iam_error("BXNIM0407E", "Provided token is invalid.",
                             "cr_token is not a JWT", 400)
        aud = claims.get("aud", [])
        aud = [aud] if isinstance(aud, str) else aud
        now = time.time()
        if "iam" not in aud:
            return iam_error("BXNIM0407E", "Provided token is invalid.",
                             "The token audience does not contain iam.", 400)
        exp, iat = (v if type(v) is int else 0 for v in (claims.get("exp"), claims.get("iat")))
        if exp - iat > 3600:
            return iam_error("BXNIM0407E", "Provided token is invalid.",
                             "The token lifetime exceeds 3600 seconds.", 400)
        if exp < now:
            return iam_error("BXNIM0407E", "Provided token is invalid.",
                             "The token is expired.", 400)
        given = [(k, f[k]) for k in ("profile_id", "profile_name", "profile_crn") if k in f]
        if not given:
            return iam_error("BXNIM0109E", "Property missing or empty.",
                             "profile_id, profile_name or profile_crn")
        want = {"profile_id": PROFILE_ID, "profile_name": PROFILE_NAME,
                "profile_crn": PROFILE_CRN}
        sub = claims.get("sub", "")
        if any(want[k] != v for k, v in given) or sub != "system:serviceaccount:default:crtoken":
            return iam_error("BXNIM0398E", "Selected trusted profile not eligible.",
                             "The given token with identifier '%s' is not permitted to "
                             "assume the indicated trusted profile; the trust "
                             "conditions are not met." % claims.get("jti", "x"))
        expires = int(words.get("expires", "3600"))
        access = make_jwt({"iam_id": "iam-" + PROFILE_ID, "id": "iam-" + PROFILE_ID,
                           "sub": PROFILE_ID, "sub_type": "Profile",
                           "account": {"bss": "0123456789abcdef0123456789abcdef"},
                           "iat": int(now), "exp": int(now) + expires,
                           "iss": "https://iam.cloud.ibm.com/identity"})
        if "access" in words:  # a token that is not what IAM issues
            access = words["access"]
        self.log("issued", access)
        self.log("issued.jsonl", json.dumps({"conn": conn, "token": access, "time": time.time()}))
        answer = {"access_token": access, "refresh_token": "not_supported",
                  "ims_user_id": 0, "token_type": "Bearer", "scope": "ibm openid"}
        if "noexp" not in words:
            answer["expires_in"] = expires
            answer["expiration"] = int(now) + expires
        if "expiration" in words:
            v = words["expiration"]
            answer["expiration"] = int(now) + int(v[4:]) if v.startswith("rel:") else int(v)
        if "expires_raw" in words:
            answer["expires_in"] = RAW
        if words.get("resp") == "noaccess":
            del answer["access_token"]
        if words.get("resp") == "huge":
            answer["padding"] = "x" * 100000
        text = json.dumps(answer).replace(json.dumps(RAW), words.get("expires_raw", ""))
        if words.get("resp") == "badjson":
            return 200, text[:-1] + ",}"
        return 200, text

    def send(self, s, status, body, words, rec, ctype):
        mode, retry = words.get("resp", "ok"), words.get("retry")
        b = body.encode()
        if "rawstatus" in words:
            line = words["rawstatus"].replace("_", " ")
        else:
            line = "HTTP/1.1 %03d %s" % (status, REASONS.get(status, "Whatever"))
        head = "%s\r\nContent-Type: %s\r\nConnection: close\r\n" % (line, ctype)
        if retry:
            head += "Retry-After: %s\r\n" % retry.replace("_", " ")
        if "oversize" in words:  # 300 headers of 78 bytes: a head over 16 KiB
            head += "".join("X-Padding-%03d: %s\r\n" % (i, "p" * 60) for i in range(300))
        if mode == "chunked":
            head += "Transfer-Encoding: chunked\r\n\r\n"
            out = head.encode()
            for i in range(0, len(b), 700):
                piece = b[i:i + 700]
                out += b"%X;ext=1\r\n" % len(piece) + piece + b"\r\n"
            out += b"0\r\nX-Trailer: yes\r\n\r\n"
        elif mode == "close":
            out = (head + "\r\n").encode() + b
        elif mode == "truncated":
            out = (head + "Content-Length: %d\r\n\r\n" % (len(b) + 500)).encode() + b
        else:
            out = (head + "Content-Length: %d\r\n\r\n" % len(b)).encode() + b
        self.transmit(s, out, words, rec, line if "rawstatus" in words else status)

    def transmit(self, s, out, words, rec, status):
        """Send the answer out (cut=N: its first N bytes) as resp= says;
        the timeline records when its first byte went and its status."""
        if "cut" in words:
            out = out[:int(words["cut"])]
        if not out:
            return
        rec["answer"], rec["status"] = time.time(), status
        try:
            self.write(s, out, words.get("resp", "ok"))
        except Stalled:  # tls=stall:K: if no byte of the answer went, there was none
            if getattr(s, "budget", 1) <= 0 and s.answered == 0:
                rec["answer"] = rec["status"] = None
            raise

    def write(self, s, out, mode):
        if mode == "bytewise":
            for i in range(len(out)):
                s.sendall(out[i:i + 1])
        elif mode == "dribble":
            end = time.time() + HANG_MAX
            for i in range(len(out)):
                if time.time() > end:
                    break
                s.sendall(out[i:i + 1])
                time.sleep(0.25)
        else:
            s.sendall(out)


# What the suites read back from a stand-in's state directory ([] until the
# first connection, request or token).

def state_lines(state, name):
    try:
        with open(os.path.join(state, name)) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def issued(state):
    """The access tokens issued, oldest first."""
    return [t for line in state_lines(state, "issued") for t in line.split()]


def issued_log(state):
    """The access tokens issued, oldest first, each {"conn", "token", "time"}."""
    return [json.loads(line) for line in state_lines(state, "issued.jsonl")]


def requests(state):
    """The requests seen (method, path, headers, form, raw, sni, conn), oldest first."""
    return [json.loads(line) for line in state_lines(state, "requests.jsonl")]


def connections(state):
    """A line per TCP connection accepted."""
    return state_lines(state, "connections")


def timeline(state):
    """A dict per connection that has ended (conn, accept, answer, end,
    status, words), in the order of acceptance."""
    return sorted((json.loads(line) for line in state_lines(state, "timeline.jsonl")),
                  key=lambda r: r["conn"])


def cr_token(sub="system:serviceaccount:default:crtoken", aud=("iam",), lifetime=3600,
             iat=None, **extra):
    """A CR token shaped like a Kubernetes projected service-account token."""
    iat = int(time.time()) if iat is None else iat
    ns, sa = sub.split(":")[2:4] if sub.count(":") == 3 else ("default", "x")
    claims = {"aud": list(aud), "exp": iat + lifetime, "iat": iat, "nbf": iat,
              "iss": "https://kubernetes.default.svc", "jti": os.urandom(8).hex(),
              "kubernetes.io": {"namespace": ns, "pod": {"name": "app-0", "uid": "1"},
                                "serviceaccount": {"name": sa, "uid": "2"}},
              "sub": sub}
    claims.update(extra)
    return make_jwt(claims)


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True, help="PKI and state directory")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=600,
                    help="exit after this long (default 600)")
    a = ap.parse_args()
    srv = Standin(a.dir, a.dir, host=a.host, port=a.port)
    with open(os.path.join(a.dir, "port.tmp"), "w") as f:
        f.write("%d\n" % srv.port)
    os.rename(os.path.join(a.dir, "port.tmp"), os.path.join(a.dir, "port"))
    try:
        time.sleep(a.seconds)
    except KeyboardInterrupt:
        pass
    srv.stop()


if __name__ == "__main__":
    sys.exit(main())
