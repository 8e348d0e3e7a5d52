#!/usr/bin/env python3
# gen_pes.py SAMPLE SIZE_MB OUT: a PES Aller of about SIZE_MB megabytes made
# from SAMPLE by repeating its first Bordereau after the last one, each copy
# with an Id of its own. The bytes keep the sample's encoding.
import re
import sys

sample, size_mb, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
data = open(sample, 'rb').read()
bords = list(re.finditer(rb'<Bordereau\b[^>]*>.*?</Bordereau>', data, re.S))
if not bords:
    sys.exit('gen_pes.py: no Bordereau in ' + sample)
first, last = bords[0], bords[-1]
body = first.group(0)
body = re.sub(rb'^<Bordereau\b[^>]*>', b'<Bordereau Id="GEN%08d">', body)
template = body.split(b'GEN%08d')
target = int(size_mb * 1024 * 1024)
with open(out, 'wb') as f:
    f.write(data[:last.end()])
    written = last.end() + len(data) - last.end()
    i = 0
    while written < target:
        chunk = template[0] + b'GEN%08d' % i + template[1]
        f.write(b'\n' + chunk)
        written += len(chunk) + 1
        i += 1
    f.write(data[last.end():])
