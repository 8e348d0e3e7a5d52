#!/usr/bin/env python3
"""A faithful S2LOW test double (see the protocol note, section 7).

HTTPS on loopback with a required client certificate (the TLS handshake
fails without one from the test CA), the account rule (certificate alone,
HTTP Basic when one certificate has several accounts: zero -> "aucun compte
trouve", several -> "La connexion n'a pas pu etre etablie"), Latin-1 in
and out (api=1 POST values and file names are decoded as ISO-8859-1),
the exact "OK\\n<id>\\n\\n" / "KO\\n<message>\\n" bodies, the acte number
regex and its uniqueness per authority, typology presence and format,
file type sniffing, the status machine 17 -> 1 -> 2 -> 3 -> 4 (ARActe
inline), -1, 0 by cancellation, the files list, redirects as errors on
downloads, the Helios XML replies, duplicate PES refused (SHA-1), the
acquit-missing quirk (4/6/8 reported as 3), the acquit still served
once the PES went on to the SAE (until destroyed), 150 MiB / 128 MiB limits,
the documents of the préfecture (list of unread ones, download through
actes_transac_get_document.php's redirect to the envelope, mark as read).

State changes are driven through a test-only channel under /_test/
(advance a transaction, automatic progression, failures, statistics),
not by timers. Standard library only.
"""
import argparse
import base64
import hashlib
import json
import re
import ssl
import sys
import threading
import time
import urllib.parse
from datetime import datetime
from zoneinfo import ZoneInfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NUMBER_RE = re.compile(r'^([A-Z0-9][A-Z0-9_]{0,13})?[A-Z0-9]$')
TYPO_RE = re.compile(r'^[A-Z0-9_]{5}$')
NATURE_ABBR = {1: 'DE', 2: 'AR', 3: 'AI', 4: 'CC', 5: 'BF', 6: 'AU'}
CLASSIFICATION = (
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    '<actes:RetourClassification xmlns:actes="http://www.interieur.gouv.fr/ACTES#v1.1-20040216">'
    '<actes:DateClassification>2024-01-15</actes:DateClassification>'
    '<actes:NaturesActes><actes:NatureActe actes:CodeNatureActe="1" actes:Libelle="D\xe9lib\xe9rations" '
    'actes:TypeAbrege="DE"><actes:TypePJNatureActe actes:CodeTypePJ="99_DE" actes:Libelle="D\xe9lib\xe9ration"/>'
    '</actes:NatureActe></actes:NaturesActes>'
    '<actes:Matieres><actes:Matiere1 actes:CodeMatiere="1" actes:Libelle="Commande publique">'
    '<actes:Matiere2 actes:CodeMatiere="1" actes:Libelle="March\xe9s publics"/></actes:Matiere1>'
    '</actes:Matieres></actes:RetourClassification>\n').encode('latin-1')


def sniff(data):
    if data.startswith(b'%PDF'):
        return 'application/pdf'
    if data.startswith(b'\x89PNG'):
        return 'image/png'
    if data.startswith(b'\xff\xd8\xff'):
        return 'image/jpeg'
    if data.lstrip()[:5] == b'<?xml' or data.lstrip()[:1] == b'<':
        return 'text/xml'
    return 'application/octet-stream'


# Statuses of an acte that has been acknowledged (§1.4): 4, validated,
# then the SAE's.
PAST_AR = (4, 5, 12, 13, 14, 15, 16, 19, 20, 22)
# Statuses of a PES whose acquit came back (§2): 4, 6, 8, then the SAE's
# and "à détruire"; once destroyed (22) the acquit is gone.
HELIOS_ACQUIT = (4, 5, 6, 8, 9, 10, 11, 19, 20, 21, 23)


def today():
    """The date in Paris, where S2LOW runs (a decision dated today there is not in the future)."""
    return datetime.now(ZoneInfo('Europe/Paris')).strftime('%Y-%m-%d')


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.args = args
        self.next_id = 1000
        self.actes = {}      # id -> dict
        self.files = {}      # file id -> (name, posted, mime, bytes, transaction)
        self.helios = {}     # id -> dict
        self.helios_sha1 = set()
        self.nomfic = set()
        self.retours = {}    # id -> dict(nom, data, lu)
        self.envelopes = {}  # envelope id -> .tar.gz bytes
        self.doc_list_ko = ''  # list_document_prefecture answers KO with it
        self.auto = args.auto
        self.fail = []       # pending failure modes
        self.redirects = {}  # path -> how many next calls answer 302 (download errors, §0.6)
        self.stats = {'actes_crees': 0, 'actes_doublons_refuses': 0, 'helios_crees': 0,
                      'helios_doublons_refuses': 0, 'requetes': 0, 'annulations': 0}
        self.accounts = {}   # cn -> [(login, password)]
        for a in args.account:
            cn, login, pw = a.split(':', 2)
            self.accounts.setdefault(cn, []).append((login, pw))
        self.non_rgs = set(args.non_rgs)

    def new_id(self):
        self.next_id += 1
        return self.next_id

    # --state FILE: the transactions survive a restart (the demo stops and
    # starts the double with liasse demo, a real S2LOW keeps them).
    KEPT = ('next_id', 'actes', 'files', 'helios', 'helios_sha1', 'nomfic', 'retours', 'stats',
            'envelopes')

    def load(self, path):
        import os
        import pickle
        if path and os.path.exists(path):
            with open(path, 'rb') as fp:
                for k, v in pickle.load(fp).items():
                    setattr(self, k, v)

    def save(self, path):
        import os
        import pickle
        with self.lock:
            data = pickle.dumps({k: getattr(self, k) for k in self.KEPT})
        with open(path + '.tmp', 'wb') as fp:
            fp.write(data)
        os.replace(path + '.tmp', path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'Apache'

    def log_message(self, fmt, *a):
        sys.stderr.write('%s %s\n' % (self.address_string(), fmt % a))

    # ---- plumbing -------------------------------------------------------
    def send(self, code, body, ctype='text/plain; charset=ISO-8859-1', headers=None):
        if isinstance(body, str):
            body = body.encode('latin-1', errors='replace')
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def ok(self, *lines):
        self.send(200, 'OK\n' + '\n'.join(str(x) for x in lines) + '\n')

    def ko(self, msg):
        self.send(200, 'KO\n%s\n' % msg)

    def redirect(self):
        self.send(302, '<html><body>Redirection</body></html>', 'text/html', {'Location': '/'})

    def cert_cn(self):
        cert = self.connection.getpeercert()
        for rdn in cert.get('subject', ()):
            for k, v in rdn:
                if k == 'commonName':
                    return v
        return ''

    def account(self):
        """The account selected by the certificate (+ Basic); None after
        answering the error."""
        st = self.server.state
        cn = self.cert_cn()
        accts = st.accounts.get(cn, [])
        auth = self.headers.get('Authorization', '')
        if auth.startswith('Basic '):
            try:
                login, _, pw = base64.b64decode(auth[6:]).decode('latin-1').partition(':')
            except Exception:
                login, pw = '', ''
            accts = [a for a in accts if a[0] == login and a[1] == pw]
        if not accts:
            self.ko("Le certificat n'est pas valide : aucun compte trouvé")
            return None
        if len(accts) > 1:
            self.ko("La connexion n'a pas pu être établie")
            return None
        return accts[0][0]

    def rgs(self):
        if self.cert_cn() in self.server.state.non_rgs:
            self.ko('La télétransmission nécessite un certificat RGS (RGS** au minimum).')
            return False
        return True

    def injected_failure(self):
        st = self.server.state
        with st.lock:
            mode = st.fail.pop(0) if st.fail else None
        if mode == '500':
            self.send(500, '<html><body>Internal Server Error</body></html>', 'text/html')
        elif mode == 'garbage':
            self.send(200, '\x00\x01<html>maintenance</html>', 'text/html')
        elif mode == 'close':
            self.close_connection = True
            self.connection.shutdown(2)
        elif mode == 'slow':
            time.sleep(self.server.state.args.slow)
            self.ok('trop tard')
        return mode is not None

    def body(self):
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''

    def multipart(self, raw):
        """Fields (Latin-1 decoded, lists for name[]) and files
        [(field, filename, bytes)], parsed from the raw bytes as PHP does
        (file names are bytes: S2LOW reads them as ISO-8859-1)."""
        ctype = self.headers.get('Content-Type', '')
        fields, files = {}, []
        m = re.search(r'boundary="?([^";]+)"?', ctype)
        if not ctype.startswith('multipart/form-data') or not m:
            for k, v in urllib.parse.parse_qsl(raw.decode('latin-1'), keep_blank_values=True):
                fields.setdefault(k, []).append(v)
            return fields, files
        delim = b'--' + m.group(1).encode('latin-1')
        for part in raw.split(delim)[1:]:
            if part.startswith(b'--'):
                break
            head, _, body = part.partition(b'\r\n\r\n')
            if body.endswith(b'\r\n'):
                body = body[:-2]
            disp = re.search(rb'Content-Disposition:[^\r\n]*', head, re.I)
            if not disp:
                continue
            name = re.search(rb'\bname="?([^";\r\n]*)"?', disp.group(0))
            fn = re.search(rb'\bfilename="([^"]*)"', disp.group(0))
            name = name.group(1).decode('latin-1') if name else ''
            if fn is not None:
                files.append((name, fn.group(1).decode('latin-1'), body))
            else:
                fields.setdefault(name, []).append(body.decode('latin-1'))
        return fields, files

    # ---- routing --------------------------------------------------------
    def do_GET(self):
        self.route('GET', b'')

    def do_POST(self):
        raw = self.body()
        st = self.server.state
        limit = st.args.post_max
        if len(raw) > limit:
            raw = b''  # PHP drops a body over post_max_size: $_POST is empty
        self.route('POST', raw)

    def route(self, method, raw):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        path = url.path
        if path.startswith('/_test/'):
            return self.test_channel(path[7:], q)
        with st.lock:
            st.stats['requetes'] += 1
        if self.injected_failure():
            return
        routes = {
            '/api/test-connexion.php': self.test_connexion,
            '/api/info-connexion.php': self.info_connexion,
            '/modules/actes/actes_transac_create.php': self.actes_create,
            '/modules/actes/actes_transac_get_status.php': self.actes_status,
            '/modules/actes/actes_transac_get_files_list.php': self.actes_files,
            '/modules/actes/actes_transac_get_ARActe.php': self.actes_aracte,
            '/modules/actes/actes_download_file.php': self.actes_download,
            '/modules/actes/actes_create_pdf.php': self.actes_bordereau,
            '/modules/actes/actes_transac_cancel.php': self.actes_cancel,
            '/modules/actes/actes_classification_fetch.php': self.classification,
            '/modules/actes/api/list_actes.php': self.list_actes,
            '/modules/actes/api/list_document_prefecture.php': self.list_document_prefecture,
            '/modules/actes/actes_transac_get_document.php': self.actes_get_document,
            '/modules/actes/api/document_prefecture_mark_as_read.php': self.document_mark_as_read,
            '/modules/helios/api/helios_importer_fichier.php': self.helios_post,
            '/modules/helios/api/helios_transac_get_status.php': self.helios_status,
            '/modules/helios/helios_download_acquit.php': self.helios_acquit,
            '/modules/helios/api/helios_get_list.php': self.helios_list,
            '/modules/helios/api/helios_get_retour.php': self.helios_retour,
            '/modules/helios/api/helios_change_status.php': self.helios_change_status,
        }
        fn = routes.get(path)
        if fn is None:
            return self.send(404, '<html><body>Not Found</body></html>', 'text/html')
        login = self.account()
        if login is None:
            return
        with st.lock:
            n = st.redirects.get(path, 0)
            if n:
                st.redirects[path] = n - 1
        if n:
            return self.redirect()
        fields, files = ({}, [])
        if method == 'POST':
            fields, files = self.multipart(raw) if raw else ({}, [])
        fn(q, fields, files, raw, login)
        if st.args.state:
            st.save(st.args.state)

    # ---- test channel ----------------------------------------------------
    def test_channel(self, what, q):
        st = self.server.state
        with st.lock:
            if what == 'stats':
                s = dict(st.stats)
                s['actes'] = {str(k): {'number': v['number'], 'status': v['status'], 'type': v['type'],
                                   'subject': v['subject'], 'files': [st.files[f]['posted'] for f in v['files']][1:]}
                              for k, v in st.actes.items()}
                s['helios'] = {str(k): {'status': v['status'], 'name': v['name'], 'sha1': v['sha1']}
                               for k, v in st.helios.items()}
                s['retours'] = {str(k): {'nom': v['nom'], 'lu': v['lu'], 'ko': v.get('ko', '')}
                                for k, v in st.retours.items()}
                s['documents'] = {str(k): {'type': v['type'], 'status': v['status'], 'related': v['related'],
                                           'lu': v.get('lu', False)}
                                  for k, v in st.actes.items() if v['type'] in (2, 3, 4, 5)}
                return self.send(200, json.dumps(s), 'application/json')
            if what == 'advance':
                tid = int(q['transaction'])
                t = st.actes.get(tid) or st.helios.get(tid)
                if t is None:
                    return self.send(404, 'inconnu')
                t['status'] = int(q['status'])
                if 'message' in q:
                    t['message'] = q['message']
                if 'acquit' in q:
                    t['acquit'] = open(q['acquit'], 'rb').read()
                if 'acquit_absent' in q:
                    t['acquit_absent'] = q['acquit_absent'] == '1'
                if t.get('type') == 6 and t['status'] == 4:
                    st.actes[t['related']]['status'] = 0
                return self.send(200, 'ok')
            if what == 'auto':
                st.auto = q.get('on', '1') == '1'
                return self.send(200, 'ok')
            if what == 'panne':
                st.fail.extend([q.get('mode', '500')] * int(q.get('n', '1')))
                return self.send(200, 'ok')
            if what == 'retour':
                rid = st.new_id()
                st.retours[rid] = {'nom': q['nom'], 'data': open(q['fichier'], 'rb').read(), 'lu': False}
                return self.send(200, str(rid))
            if what in ('retour_ko', 'unread', 'document_ko', 'document_unread'):
                # A PES Retour or a document of the préfecture answering KO
                # (message= ; empty: no longer), or listed unread again.
                table = st.retours if what in ('retour_ko', 'unread') else st.actes
                x = table.get(int(q['id']))
                if x is None:
                    return self.send(404, 'inconnu')
                if what.endswith('_ko'):
                    x['ko'] = q.get('message', 'Erreur interne.')
                else:
                    x['lu'] = False
                return self.send(200, 'ok')
            if what == 'document':
                # A document of the préfecture about acte RELATED (type 2
                # courrier simple, 3 demande de pièces complémentaires, 4
                # lettre d'observations, 5 déféré): its envelope holds the
                # ACTES message and the letter FICHIER (a PDF).
                related = int(q['related'])
                a = st.actes.get(related)
                if a is None:
                    return self.send(404, 'inconnu')
                typ = int(q.get('type', '2'))
                did, eid = st.new_id(), st.new_id()
                st.envelopes[eid] = self.envelope(a, typ, open(q['fichier'], 'rb').read())
                # 21 "Document reçu (pas d'AR)": courrier simple or déféré.
                st.actes[did] = {'type': typ, 'number': a['number'], 'related': related,
                                 'status': 21 if typ in (2, 5) else 7, 'files': [], 'message': '',
                                 'date': a['date'], 'nature': a['nature'], 'subject': a['subject'],
                                 'envelope': eid, 'lu': False}
                return self.send(200, str(did))
            if what == 'document_list_ko':
                st.doc_list_ko = q.get('message', '')
                return self.send(200, 'ok')
            if what == 'redirige':
                # The next n calls to chemin= answer S2LOW's 302 to its home
                # page, as its download scripts do on an error.
                st.redirects[q['chemin']] = int(q.get('n', '1'))
                return self.send(200, 'ok')
            if what == 'mark_slow':
                st.mark_slow = q.get('on', '1') == '1'
                return self.send(200, 'ok')
        return self.send(404, 'inconnu')

    def auto_step(self, t, final=4):
        """Automatic progression: each status poll moves one step."""
        if self.server.state.auto and t['status'] in (1, 2, 3):
            t['status'] = 4 if self.server.state.args.auto_fast else t['status'] + 1
            if t.get('type') == 6 and t['status'] == 4:
                self.server.state.actes[t['related']]['status'] = 0

    # ---- connection -----------------------------------------------------
    def test_connexion(self, q, f, files, raw, login):
        self.send(200, 'OK')

    def info_connexion(self, q, f, files, raw, login):
        self.send(200, json.dumps({'user_info': {'login': login, 'certificat': self.cert_cn()},
                                   'authority_info': {'id': 1, 'name': 'Commune de Test',
                                                      'department': '034', 'siren': '000000000'}}),
                  'application/json')

    # ---- actes ------------------------------------------------------------
    def actes_create(self, q, f, files, raw, login):
        st = self.server.state
        if not f and not files:
            return self.ko('La taille totale des fichiers est trop importante')
        if not self.rgs():
            return
        g = lambda k: (f.get(k) or [''])[0]
        if g('api') != '1':
            return self.redirect()
        nature = g('nature_code')
        if nature not in ('1', '2', '3', '4', '5', '6'):
            return self.ko("La nature de l'acte est invalide.")
        if not g('classif1') or not g('classif2'):
            return self.ko('Les deux premiers niveaux de classification sont obligatoires.')
        number = g('number')
        if not NUMBER_RE.match(number):
            return self.ko("Le numéro de l'acte est invalide : il doit comporter de 1 à 15 caractères "
                           "(majuscules, chiffres ou _, sans _ au début ni à la fin).")
        subject = g('subject')
        if not (1 <= len(subject) <= 499) or '\n' in subject:
            return self.ko("L'objet de l'acte est obligatoire (499 caractères au plus).")
        dd = g('decision_date')
        if not re.match(r'^\d{4}-\d{2}-\d{2}$', dd):
            return self.ko('La date de décision est invalide.')
        if dd > today():
            return self.ko('La date de décision est une date dans le futur')
        type_acte = g('type_acte')
        type_pj = f.get('type_pj[]', [])
        acte = [x for x in files if x[0] == 'acte_pdf_file']
        annexes = [x for x in files if x[0] == 'acte_attachments[]']
        if not type_acte or len(type_pj) < len(annexes):
            return self.ko("La typologie de l'acte ou d'une annexe est absente : typologie absente")
        if not TYPO_RE.match(type_acte) or any(not TYPO_RE.match(t) for t in type_pj):
            return self.ko('Le format de la typologie est invalide.')
        if len(acte) != 1 or not acte[0][2]:
            return self.ko("Le fichier de l'acte est absent.")
        if len(annexes) > 199:
            return self.ko("Le nombre d'annexes est trop important")
        total = sum(len(x[2]) for x in files)
        if total > st.args.actes_max:
            return self.ko('La taille totale des fichiers est trop importante')
        m = sniff(acte[0][2])
        if m == 'text/xml':
            if nature != '5':
                return self.ko('Seuls les documents budgétaires et financiers peuvent être au format XML.')
            if (g('classif1'), g('classif2')) != ('7', '1'):
                return self.ko('Seule la classification 7.1 est autorisée pour un acte au format XML.')
        elif m != 'application/pdf':
            return self.ko("Le fichier de l'acte doit être au format PDF.")
        for a in annexes:
            am = sniff(a[2])
            if am not in ('application/pdf', 'text/xml', 'image/png', 'image/jpeg') or \
                    (m == 'text/xml' and am != 'application/pdf'):
                return self.ko("Le format de l'annexe « %s » n'est pas autorisé." % a[1])
        with st.lock:
            if any(t['number'] == number and t['type'] == 1 for t in st.actes.values()):
                st.stats['actes_doublons_refuses'] += 1
                return self.ko('Un acte portant le même numéro interne existe déjà dans la base de données.')
            tid = st.new_id()
            fids = []
            for (field, name, data) in [('xml', 'message.xml', b'<actes:Acte/>')] + \
                    [(x[0], x[1], x[2]) for x in acte + annexes]:
                fid = st.new_id()
                st.files[fid] = {'name': name, 'posted': name, 'mime': sniff(data), 'data': data,
                                 'transaction': tid, 'code_pj': type_acte if field == 'acte_pdf_file' else ''}
                fids.append(fid)
            st.actes[tid] = {'type': 1, 'number': number, 'subject': subject, 'nature': int(nature),
                             'date': dd, 'status': 17 if g('en_attente') == '1' else 1, 'files': fids,
                             'message': '', 'login': login}
            st.stats['actes_crees'] += 1
        self.send(200, 'OK\n%d\n\n' % tid)

    def aracte(self, tid, t):
        idacte = '034-000000000-%s-%s-%s' % (t['date'].replace('-', ''), t['number'],
                                             NATURE_ABBR.get(t.get('nature', 1), 'DE'))
        return ('<?xml version="1.0" encoding="ISO-8859-1"?>\n'
                '<actes:ARActe xmlns:actes="http://www.interieur.gouv.fr/ACTES#v1.1-20040216" '
                'actes:IDActe="%s"><actes:DateReception>%s</actes:DateReception>'
                '<actes:ActeRecu><actes:CodeNatureActe>%d</actes:CodeNatureActe>'
                '<actes:Objet>%s</actes:Objet></actes:ActeRecu></actes:ARActe>'
                % (idacte, today(), t.get('nature', 1), t.get('subject', '')))

    def actes_status(self, q, f, files, raw, login):
        st = self.server.state
        try:
            tid = int(q.get('transaction', ''))
        except ValueError:
            return self.ko('Numéro de transaction invalide.')
        with st.lock:
            t = st.actes.get(tid)
            if t is None:
                return self.ko('Numéro de transaction invalide.')
            s = t['status']
            self.auto_step(t)
        if s == 4:
            return self.send(200, 'OK\n4\n' + self.aracte(tid, t))
        if s == -1:
            return self.send(200, 'OK\n-1\n' + (t['message'] or 'Erreur'))
        self.send(200, 'OK\n%d\n' % s)

    def actes_aracte(self, q, f, files, raw, login):
        """The stored ARActe alone, once the acte has been acknowledged
        (4, then validated or gone on to the SAE); a redirection before."""
        st = self.server.state
        try:
            tid = int(q.get('id', ''))
        except ValueError:
            return self.redirect()
        t = st.actes.get(tid)
        if t is None or t.get('type', 1) != 1 or t['status'] not in PAST_AR:
            return self.redirect()
        self.send(200, self.aracte(tid, t), 'application/xml')

    def actes_files(self, q, f, files, raw, login):
        st = self.server.state
        t = st.actes.get(int(q.get('transaction', '0') or 0))
        if t is None:
            return self.ko('Numéro de transaction invalide.')
        if t['status'] in (1, 2, 3, 17):
            return self.ko("Pas d'acquittement recu")
        out = []
        for i, fid in enumerate(t['files']):
            x = st.files[fid]
            out.append({'id': str(fid), 'name': '034-000000000-%s_%d' % (t['number'], i),
                        'posted_filename': x['posted'], 'mimetype': x['mime'], 'size': str(len(x['data'])),
                        'sign': '', 'code_pj': x['code_pj']})
        self.send(200, json.dumps(out), 'application/json')

    def actes_download(self, q, f, files, raw, login):
        st = self.server.state
        if 'env' in q:
            env = st.envelopes.get(int(q['env'] or 0))
            if env is None:
                return self.redirect()
            return self.send(200, env, 'application/x-gzip',
                             {'Content-Disposition': 'attachment; filename="enveloppe-%s.tar.gz"' % q['env']})
        x = st.files.get(int(q.get('file', '0') or 0))
        if x is None:
            return self.redirect()
        data = x['data']
        if q.get('tampon') == 'true' and x['mime'] == 'application/pdf':
            data = data + b'\n%% Recu en prefecture le ' + time.strftime('%d/%m/%Y').encode() + b'\n'
        self.send(200, data, x['mime'], {'Content-Disposition': 'attachment; filename="%s"' % x['posted']})

    def actes_bordereau(self, q, f, files, raw, login):
        t = self.server.state.actes.get(int(q.get('trans_id', '0') or 0))
        if t is None or t['status'] not in PAST_AR + (0,):
            return self.redirect()
        pdf = (b'%PDF-1.4\n% Bordereau d\'acquittement de l\'acte ' + t['number'].encode() +
               b'\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')
        self.send(200, pdf, 'application/pdf', {'Content-Disposition': 'attachment; filename="acquittement.pdf"'})

    def actes_cancel(self, q, f, files, raw, login):
        st = self.server.state
        g = lambda k: (f.get(k) or [''])[0]
        with st.lock:
            try:
                tid = int(g('id'))
            except ValueError:
                return self.ko('Numéro de transaction invalide.')
            t = st.actes.get(tid)
            if t is None:
                return self.ko('Numéro de transaction invalide.')
            if t['status'] != 4:
                return self.ko("L'annulation n'est possible que pour un acte acquitté.")
            if any(x.get('related') == tid and x['status'] in (1, 2, 3) for x in st.actes.values()):
                return self.ko('Une annulation est déjà en cours pour cet acte.')
            cid = st.new_id()
            st.actes[cid] = {'type': 6, 'number': t['number'], 'related': tid, 'status': 1, 'files': [],
                             'message': '', 'date': t['date'], 'nature': t['nature'], 'subject': t['subject']}
            st.stats['annulations'] += 1
        self.send(200, 'OK\n%d\n\n' % cid)

    def classification(self, q, f, files, raw, login):
        if q.get('api') != '1':
            return self.redirect()
        self.send(200, CLASSIFICATION, 'text/xml')

    def list_actes(self, q, f, files, raw, login):
        st = self.server.state
        status = q.get('status_id', '')
        off, lim = int(q.get('offset') or 0), int(q.get('limit') or 100)
        with st.lock:
            rows = [{'id': str(k), 'subject': v['subject'], 'number': v['number'], 'date': v['date'],
                     'nature_descr': '', 'classification': '', 'type': str(v['type']), 'status': v['status']}
                    for k, v in sorted(st.actes.items()) if status == '' or str(v['status']) == status]
        self.send(200, json.dumps({'status_id': status, 'authority_id': 1, 'offset': off, 'limit': lim,
                                   'transactions': rows[off:off + lim]}), 'application/json')

    # ---- documents of the préfecture ------------------------------------
    def idacte(self, t):
        return '034-000000000-%s-%s-%s' % (t['date'].replace('-', ''), t['number'],
                                           NATURE_ABBR.get(t.get('nature', 1), 'DE'))

    def envelope(self, acte, typ, pdf):
        """The received envelope as S2LOW keeps it: a .tar.gz of the ACTES
        message (XML, ISO-8859-1) and the letter, named after the acte
        with the message code T-M (2-1 courrier simple, 3-1 demande de
        pièces, 4-1 lettre d'observations, 5-1 déféré)."""
        import io
        import tarfile
        root = {2: 'CourrierSimple', 3: 'DemandePieceComplementaire', 4: 'LettreObservations',
                5: 'DefereTA'}[typ]
        base = '%s-%d-1' % (self.idacte(acte), typ)
        xml = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<actes:%s '
               'xmlns:actes="http://www.interieur.gouv.fr/ACTES#v1.1-20040216" actes:IDActe="%s" '
               'actes:DateCourrier="%s"><actes:Document><actes:NomFichier>%s_1.pdf</actes:NomFichier>'
               '</actes:Document></actes:%s>\n' % (root, self.idacte(acte), today(),
                                                   base, root)).encode('latin-1')
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode='w:gz', compresslevel=9) as tar:
            for name, data in ((base + '_0.xml', xml), (base + '_1.pdf', pdf)):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mtime = int(time.time())
                tar.addfile(info, io.BytesIO(data))
        return buf.getvalue()

    def list_document_prefecture(self, q, f, files, raw, login):
        st = self.server.state
        if st.doc_list_ko:
            return self.ko(st.doc_list_ko)
        with st.lock:
            out = [{'id': str(k), 'type': str(v['type']), 'related_transaction_id': str(v['related']),
                    'number': v['number'], 'unique_id': self.idacte(st.actes[v['related']]),
                    'last_status_id': str(v['status'])}
                   for k, v in sorted(st.actes.items()) if v['type'] in (2, 3, 4, 5) and not v['lu']]
        self.send(200, json.dumps(out), 'application/json')

    def actes_get_document(self, q, f, files, raw, login):
        """A document's id: 302 to its envelope; an acte's id: one line
        "<type>-<status>-<id>" per related transaction."""
        st = self.server.state
        try:
            tid = int(q.get('id', ''))
        except ValueError:
            return self.ko('Numéro de transaction invalide.')
        t = st.actes.get(tid)
        if t is None:
            return self.ko('Numéro de transaction invalide.')
        if t.get('ko'):
            return self.ko(t['ko'])
        if t['type'] in (2, 3, 4, 5):
            return self.send(302, '', 'text/html', {
                'Location': 'https://%s/modules/actes/actes_download_file.php?env=%d'
                            % (self.headers.get('Host', 'localhost'), t['envelope'])})
        lines = ''.join('%d-%d-%d\n' % (v['type'], v['status'], k)
                        for k, v in sorted(st.actes.items()) if v.get('related') == tid)
        self.send(200, lines)

    def document_mark_as_read(self, q, f, files, raw, login):
        st = self.server.state
        d = st.actes.get(int(q.get('transaction_id', '0') or 0))
        if d is None or d['type'] not in (2, 3, 4, 5):
            return self.send(200, json.dumps({'result': 'ko', 'message': 'Transaction inconnue.'}),
                             'application/json')
        d['lu'] = True
        self.send(200, json.dumps({'result': 'ok'}), 'application/json')

    # ---- helios -----------------------------------------------------------
    def helios_reply(self, tid, ok, msg):
        body = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<import><id>%s</id><resultat>%s</resultat>'
                '<message>%s</message></import>' % (tid if ok else '', 'OK' if ok else 'KO', msg))
        self.send(200, body, 'text/xml', {'Content-Disposition': 'attachment; filename="import.xml"'})

    def helios_post(self, q, f, files, raw, login):
        st = self.server.state
        if not self.rgs():
            return
        env = [x for x in files if x[0] == 'enveloppe']
        if not env or not env[0][2]:
            return self.helios_reply(0, False, 'Aucun fichier reçu ou fichier vide.')
        data = env[0][2]
        if len(data) > st.args.helios_max:
            return self.helios_reply(0, False, 'Le fichier dépasse la taille maximale autorisée.')
        sha1 = hashlib.sha1(data).hexdigest()
        with st.lock:
            if sha1 in st.helios_sha1:
                st.stats['helios_doublons_refuses'] += 1
                return self.helios_reply(0, False, 'doublon détecté. Ce fichier a déjà été posté.')
            st.helios_sha1.add(sha1)
            tid = st.new_id()
            head = data[:50]
            m = re.search(rb'<NomFic\s+V="([^"]*)"', data)
            status, message = 1, ''
            if b'ISO-8859-1' not in head.upper() and b'iso-8859-1' not in head:
                status, message = -1, "Le fichier PES doit être encodé en ISO-8859-1."
            elif m is None:
                status, message = -1, 'NomFic absent du fichier PES.'
            elif m.group(1) in st.nomfic:
                status, message = -1, 'Le nom du fichier (NomFic) a déjà été utilisé pour cette collectivité.'
            if m is not None:
                st.nomfic.add(m.group(1))
            st.helios[tid] = {'name': env[0][1], 'sha1': sha1, 'status': status, 'message': message,
                              'acquit': open(st.args.acquit, 'rb').read() if st.args.acquit else None,
                              'acquit_absent': False}
            st.stats['helios_crees'] += 1
        self.helios_reply(tid, True, 'Téléchargement du fichier réussi.')

    def helios_status(self, q, f, files, raw, login):
        st = self.server.state
        with st.lock:
            try:
                t = st.helios.get(int(q.get('transaction', '')))
            except ValueError:
                t = None
            if t is None:
                body = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<transaction><id></id><resultat>KO'
                        '</resultat><message>Transaction inconnue.</message><status></status></transaction>')
                return self.send(200, body, 'text/xml')
            s = t['status']
            self.auto_step(t)
            tid = q['transaction']
        if s in (4, 6, 8) and (t['acquit_absent'] or not t['acquit']):
            s = 3  # ApiHeliosStatusResolver: no acquit file -> "Transmis"
        body = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<transaction><id>%s</id><resultat>OK</resultat>'
                '<message>%s</message><status>%d</status></transaction>' % (tid, t['message'], s))
        self.send(200, body, 'text/xml')

    def helios_acquit(self, q, f, files, raw, login):
        t = self.server.state.helios.get(int(q.get('id', '0') or 0))
        if t is None or t['status'] not in HELIOS_ACQUIT or t['acquit_absent'] or not t['acquit']:
            return self.redirect()
        self.send(200, t['acquit'], 'text/xml')

    def helios_list(self, q, f, files, raw, login):
        st = self.server.state
        items = ''.join('<pes_retour><id>%d</id><nom>%s</nom><date>%s</date></pes_retour>'
                        % (k, v['nom'], today()) for k, v in st.retours.items() if not v['lu'])
        self.send(200, '<?xml version="1.0" encoding="ISO-8859-1"?>\n<liste><idColl>000000000</idColl>'
                  '<resultat>OK</resultat><message></message><dateDemande>%s</dateDemande>%s</liste>'
                  % (today(), items), 'text/xml')

    def helios_retour(self, q, f, files, raw, login):
        r = self.server.state.retours.get(int(q.get('id', '0') or 0))
        if r is None or r.get('ko'):
            msg = r['ko'] if r else 'PES Retour inconnu.'
            return self.send(200, '<?xml version="1.0" encoding="ISO-8859-1"?>\n<get_retour><id>%s</id>'
                             '<resultat>KO</resultat><message>%s</message></get_retour>'
                             % (q.get('id', ''), msg), 'text/xml')
        self.send(200, r['data'], 'text/xml')

    def helios_change_status(self, q, f, files, raw, login):
        if getattr(self.server.state, 'mark_slow', False):
            time.sleep(self.server.state.args.slow)  # a test kills the client meanwhile
        r = self.server.state.retours.get(int(q.get('id', '0') or 0))
        if r is not None:
            r['lu'] = True
        self.send(200, '<?xml version="1.0" encoding="ISO-8859-1"?>\n<transaction><idRetour>%s</idRetour>'
                  '<resultat>%s</resultat><message></message></transaction>'
                  % (q.get('id', ''), 'OK' if r else 'KO'), 'text/xml')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--certs', required=True, help='folder of ca.pem, server.pem, server.key')
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--port-file')
    ap.add_argument('--account', action='append', default=[],
                    help='CN:login:password (repeat; default liasse-client:agent:)')
    ap.add_argument('--non-rgs', action='append', default=[], help='CN of a certificate that is not RGS')
    ap.add_argument('--auto', action='store_true', help='each status poll moves one step')
    ap.add_argument('--auto-fast', action='store_true', help='with --auto: acknowledged at the first poll')
    ap.add_argument('--acquit', help='PES_ACQUIT served for every PES once acknowledged')
    ap.add_argument('--actes-max', type=int, default=150 * 1024 * 1024)
    ap.add_argument('--helios-max', type=int, default=128 * 1024 * 1024)
    ap.add_argument('--post-max', type=int, default=200 * 1024 * 1024)
    ap.add_argument('--slow', type=float, default=5.0)
    ap.add_argument('--state', help='file keeping the transactions across restarts')
    ap.add_argument('--pes-retour', metavar='DIR',
                    help='each file of DIR is an unread PES Retour, listed by helios_get_list.php')
    args = ap.parse_args()
    if not args.account:
        args.account = ['liasse-client:agent:']
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.certs + '/server.pem', args.certs + '/server.key')
    ctx.load_verify_locations(args.certs + '/ca.pem')
    ctx.verify_mode = ssl.CERT_REQUIRED
    srv = ThreadingHTTPServer(('127.0.0.1', args.port), Handler)
    srv.daemon_threads = True
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.state = State(args)
    srv.state.load(args.state)
    if args.pes_retour:
        import os
        for name in sorted(os.listdir(args.pes_retour)):
            with open(os.path.join(args.pes_retour, name), 'rb') as fp:
                srv.state.retours[srv.state.new_id()] = {'nom': name, 'data': fp.read(), 'lu': False}
    if args.port_file:
        with open(args.port_file + '.tmp', 'w') as fp:
            fp.write(str(srv.server_address[1]))
        import os
        os.rename(args.port_file + '.tmp', args.port_file)
    srv.serve_forever()


if __name__ == '__main__':
    main()
