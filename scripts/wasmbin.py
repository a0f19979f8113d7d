"""The WebAssembly binary encodings scripts/dist.sh's build steps read and write."""


def leb(b, i):
    """The unsigned LEB128 number at b[i]: (value, index after it)."""
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def uleb(n):
    """n as unsigned LEB128 bytes."""
    out = bytearray()
    while True:
        x = n & 0x7F
        n >>= 7
        out.append(x | 0x80 if n else x)
        if not n:
            return bytes(out)


def limits(b, k):
    """The index after the limits (flags, min, optional max) at b[k]."""
    flags = b[k]
    _, k = leb(b, k + 1)
    if flags & 1:
        _, k = leb(b, k)
    return k
