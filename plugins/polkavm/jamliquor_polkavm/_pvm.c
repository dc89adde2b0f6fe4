/* The compiled PVM backend: GP v0.7.2 appendix A in portable C against the CPython C API.
 *
 * Same semantics, bit for bit, as the Python backend (interpreter.py, runloop.py, program.py):
 * gas per instruction (1 each, charged before it runs; a faulting instruction keeps its charge),
 * every exit (halt, panic, out of gas, page fault with its page address, host call), the
 * load_imm_jump register rule, and sparse paged memory (accessible regions + storage only for
 * pages written at least once). No inline assembly, no compiler extensions, no
 * architecture-specific code: C99 with fixed-width integers builds on x86-64 and aarch64 alike.
 *
 *   Program(code, bitmask, jump_table)  deblobbed code (bitmask: one octet per code octet),
 *                                       decoded once into an instruction array (deblob: program.py)
 *   Machine(program, registers)         registers (a C array, seen as `regs`), sparse memory
 *     .map(address, length, data, writable), .heap, .run(pc, gas) -> (exit, pc, gas, value),
 *     .run(pc, gas, host, guest, proceed): host calls made in place, resuming while they proceed,
 *     .read(address, length), .write(address, data), .is_readable/.is_writable, .resident_pages()
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define M32 0xFFFFFFFFull
#define PAGE 4096u
#define HALT_ADDRESS 0xFFFF0000ull /* 2^32 - 2^16 */
#define NO_TARGET 0xFFFFFFFFu
#define LEAVES 1024u /* 2^20 pages = 1024 leaves of 1024 pages */

/* run()'s exits; EXIT_HOST_ENDED: a host call made in place (run's host argument) ended the run,
 * its outcome and the gas it left (a Python int, possibly out of range) as the value and gas */
enum { EXIT_HALT = 0, EXIT_PANIC = 1, EXIT_OOG = 2, EXIT_FAULT = 3, EXIT_HOST = 4, EXIT_HOST_ENDED = 5 };

/* ------------------------------------------------------------------ arithmetic (GP A.2) */

static inline uint64_t sx32(uint64_t x) { return ((x & M32) ^ 0x80000000ull) - 0x80000000ull; }
static inline uint64_t sx8(uint64_t x) { return ((x & 0xFF) ^ 0x80ull) - 0x80ull; }
static inline uint64_t sx16(uint64_t x) { return ((x & 0xFFFF) ^ 0x8000ull) - 0x8000ull; }
static inline uint64_t sxn(unsigned n, uint64_t x) {
    if (n == 0) return 0;
    if (n >= 8) return x;
    uint64_t sign = 1ull << (8 * n - 1);
    return ((x & ((sign << 1) - 1)) ^ sign) - sign;
}
#define SIGN 0x8000000000000000ull
static inline int slt(uint64_t a, uint64_t b) { return (a ^ SIGN) < (b ^ SIGN); }
static inline int64_t as_signed(uint64_t a) { return (a & SIGN) ? -(int64_t)(~a) - 1 : (int64_t)a; }
static inline uint64_t sar64(uint64_t a, unsigned n) {
    n &= 63;
    if (n == 0) return a;
    return (a >> n) | ((a & SIGN) ? ~(~0ull >> n) : 0);
}
static inline uint64_t rotl64(uint64_t a, uint64_t n) { n &= 63; return n ? (a << n) | (a >> (64 - n)) : a; }
static inline uint64_t rotr64(uint64_t a, uint64_t n) { n &= 63; return n ? (a >> n) | (a << (64 - n)) : a; }
static inline uint64_t rotl32(uint64_t a, uint64_t n) {
    uint32_t x = (uint32_t)a; n &= 31; return n ? (uint32_t)((x << n) | (x >> (32 - n))) : x;
}
static inline uint64_t rotr32(uint64_t a, uint64_t n) {
    uint32_t x = (uint32_t)a; n &= 31; return n ? (uint32_t)((x >> n) | (x << (32 - n))) : x;
}
static inline uint64_t mulhu(uint64_t a, uint64_t b) {
    uint64_t a0 = a & M32, a1 = a >> 32, b0 = b & M32, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & M32) + (p10 & M32);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}
static inline uint64_t mulh_ss(uint64_t a, uint64_t b) {
    return mulhu(a, b) - ((a & SIGN) ? b : 0) - ((b & SIGN) ? a : 0);
}
static inline uint64_t mulh_su(uint64_t a, uint64_t b) { return mulhu(a, b) - ((a & SIGN) ? b : 0); }
static inline unsigned popcount64(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (unsigned)((x * 0x0101010101010101ull) >> 56);
}
static inline unsigned bitlen(uint64_t x) { unsigned n = 0; while (x) { n++; x >>= 1; } return n; }
static inline uint64_t ctz(uint64_t x, unsigned width) {
    if (!x) return width;
    unsigned n = 0;
    while (!(x & 1)) { n++; x >>= 1; }
    return n;
}
static inline uint64_t bswap64(uint64_t x) {
    uint64_t r = 0;
    for (int i = 0; i < 8; i++) { r = (r << 8) | (x & 0xFF); x >>= 8; }
    return r;
}
/* div/rem with GP rtz/smod (A.2); signed division of in-range int64 values is exact C99 */
static uint64_t div_s32(uint64_t a, uint64_t b) {
    int64_t x = as_signed(sx32(a)), y = as_signed(sx32(b));
    if (y == 0) return ~0ull;
    if (x == -2147483648LL && y == -1) return sx32(a);
    return (uint64_t)(x / y);
}
static uint64_t rem_s32(uint64_t a, uint64_t b) {
    int64_t x = as_signed(sx32(a)), y = as_signed(sx32(b));
    if (x == -2147483648LL && y == -1) return 0;
    if (y == 0) return (uint64_t)x;
    return (uint64_t)(x % y);
}
static uint64_t div_s64(uint64_t a, uint64_t b) {
    if (b == 0) return ~0ull;
    if (a == SIGN && b == ~0ull) return a;
    return (uint64_t)(as_signed(a) / as_signed(b));
}
static uint64_t rem_s64(uint64_t a, uint64_t b) {
    if (a == SIGN && b == ~0ull) return 0;
    if (b == 0) return a;
    return (uint64_t)(as_signed(a) % as_signed(b));
}

/* ------------------------------------------------------------------ program decoding (GP A.1, A.3-A.5) */

typedef struct {
    uint8_t op, ra, rb, rd;
    uint32_t pc;
    uint32_t target; /* index of a static jump/branch target (a basic-block start) or NO_TARGET */
    int32_t handler; /* threaded dispatch: the handler's offset from op_0, filled at the first run */
    uint64_t x, y;   /* immediates, sign-extended to 64 bits (addresses masked to 32) */
} Ins;

typedef struct {
    PyObject_HEAD
    Ins *ins;          /* instruction starts in code order, each followed by its implicit trap if any */
    uint32_t count;
    int32_t *at;       /* pc -> index of the instruction starting there, -1 if none (|c| entries) */
    uint32_t n;        /* |c| */
    uint32_t *jumps;   /* jump table entry -> instruction index of a block start, or NO_TARGET */
    uint32_t njumps;
    Py_ssize_t nbytes;
    int threaded; /* Ins.handler filled */
} ProgramObject;

static const uint8_t VALID[256] = {
#define V(o) [o] = 1
    V(0), V(1), V(10), V(20), V(30), V(31), V(32), V(33), V(40), V(50), V(51), V(52), V(53), V(54), V(55),
    V(56), V(57), V(58), V(59), V(60), V(61), V(62), V(70), V(71), V(72), V(73), V(80), V(81), V(82), V(83),
    V(84), V(85), V(86), V(87), V(88), V(89), V(90), V(100), V(101), V(102), V(103), V(104), V(105),
    V(106), V(107), V(108), V(109), V(110), V(111), V(120), V(121), V(122), V(123), V(124), V(125),
    V(126), V(127), V(128), V(129), V(130), V(131), V(132), V(133), V(134), V(135), V(136), V(137),
    V(138), V(139), V(140), V(141), V(142), V(143), V(144), V(145), V(146), V(147), V(148), V(149),
    V(150), V(151), V(152), V(153), V(154), V(155), V(156), V(157), V(158), V(159), V(160), V(161),
    V(170), V(171), V(172), V(173), V(174), V(175), V(180), V(190), V(191), V(192), V(193), V(194),
    V(195), V(196), V(197), V(198), V(199), V(200), V(201), V(202), V(203), V(204), V(205), V(206),
    V(207), V(208), V(209), V(210), V(211), V(212), V(213), V(214), V(215), V(216), V(217), V(218),
    V(219), V(220), V(221), V(222), V(223), V(224), V(225), V(226), V(227), V(228), V(229), V(230),
#undef V
};

static int terminator(uint8_t op) {
    return op == 0 || op == 1 || op == 40 || op == 50 || op == 80 || op == 180 || (op >= 81 && op <= 90) ||
           (op >= 170 && op <= 175);
}

typedef struct {
    const uint8_t *code, *mask;
    uint32_t n;
    uint8_t *skips;
    uint8_t *block;
} Decoder;

static uint8_t zeta(const Decoder *d, uint64_t i) { return i < d->n ? d->code[i] : 0; } /* ζ (A.4) */

static uint64_t le(const Decoder *d, uint64_t start, unsigned len) {
    uint64_t v = 0;
    for (unsigned i = 0; i < len; i++) v |= (uint64_t)zeta(d, start + i) << (8 * i);
    return v;
}
static uint64_t imm(const Decoder *d, uint64_t start, unsigned len) { return sxn(len, le(d, start, len)); }
static unsigned clamp4(int64_t v) { return v < 0 ? 0 : v > 4 ? 4 : (unsigned)v; }

/* a static jump target (A.5 branch): pc + signed offset, if it starts a basic block, else -1 */
static int64_t offset_target(const Decoder *d, uint32_t pc, uint64_t start, unsigned len) {
    uint64_t raw = le(d, start, len);
    int64_t off = as_signed(sxn(len, raw));
    int64_t t = (int64_t)pc + off;
    if (t < 0 || t >= (int64_t)d->n || !d->block[t]) return -1;
    return t;
}

static uint32_t skip_of(const Decoder *d, uint64_t pc) { return pc < d->n ? d->skips[pc] : 0; }

/* the operands of the instruction at pc, as interpreter.Program.operands; targets as pcs (-1 none) */
static void decode_one(const Decoder *d, uint32_t pc, Ins *out, int64_t *target) {
    uint8_t op = (pc < d->n && d->mask[pc] && VALID[d->code[pc]]) ? d->code[pc] : 0;
    unsigned l = skip_of(d, pc);
    uint8_t r1 = zeta(d, (uint64_t)pc + 1);
    uint8_t ra = (r1 & 15) > 12 ? 12 : (r1 & 15), rb = (r1 >> 4) > 12 ? 12 : (r1 >> 4);
    memset(out, 0, sizeof *out);
    *target = -1;
    out->op = op;
    out->pc = pc;
    if (op == 0 || op == 1) return;
    if (op == 10) { out->x = imm(d, pc + 1ull, l < 4 ? l : 4); return; }
    if (op == 20) { out->ra = ra; out->x = le(d, pc + 2ull, 8); return; }
    if (op >= 30 && op <= 33) {
        unsigned lx = (r1 & 7) > 4 ? 4 : (r1 & 7);
        out->x = imm(d, pc + 2ull, lx) & M32;
        out->y = imm(d, pc + 2ull + lx, clamp4((int64_t)l - lx - 1));
        return;
    }
    if (op == 40) { *target = offset_target(d, pc, pc + 1ull, l < 4 ? l : 4); return; }
    if (op >= 50 && op <= 62) {
        uint64_t x = imm(d, pc + 2ull, clamp4((int64_t)l - 1));
        out->ra = ra;
        out->x = (op == 50 || op == 51) ? x : x & M32;
        return;
    }
    if (op >= 70 && op <= 73) {
        unsigned lx = ((r1 >> 4) & 7) > 4 ? 4 : ((r1 >> 4) & 7);
        out->ra = ra;
        out->x = imm(d, pc + 2ull, lx);
        out->y = imm(d, pc + 2ull + lx, clamp4((int64_t)l - lx - 1));
        return;
    }
    if (op >= 80 && op <= 90) {
        unsigned lx = ((r1 >> 4) & 7) > 4 ? 4 : ((r1 >> 4) & 7);
        out->ra = ra;
        out->x = imm(d, pc + 2ull, lx);
        *target = offset_target(d, pc, pc + 2ull + lx, clamp4((int64_t)l - lx - 1));
        return;
    }
    if (op >= 100 && op <= 111) { out->rd = ra; out->ra = rb; return; } /* ω_D low nibble, ω_A high */
    if (op >= 120 && op <= 161) { out->ra = ra; out->rb = rb; out->x = imm(d, pc + 2ull, clamp4((int64_t)l - 1)); return; }
    if (op >= 170 && op <= 175) {
        out->ra = ra; out->rb = rb;
        *target = offset_target(d, pc, pc + 2ull, clamp4((int64_t)l - 1));
        return;
    }
    if (op == 180) {
        uint8_t r2 = zeta(d, pc + 2ull);
        unsigned lx = (r2 & 7) > 4 ? 4 : (r2 & 7);
        out->ra = ra; out->rb = rb;
        out->x = imm(d, pc + 3ull, lx);
        out->y = imm(d, pc + 3ull + lx, clamp4((int64_t)l - lx - 2));
        return;
    }
    { uint8_t r2 = zeta(d, pc + 2ull); out->ra = ra; out->rb = rb; out->rd = r2 > 12 ? 12 : r2; } /* three registers */
}

static void Program_dealloc(ProgramObject *self) {
    PyMem_Free(self->ins);
    PyMem_Free(self->at);
    PyMem_Free(self->jumps);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Program_init(ProgramObject *self, PyObject *args, PyObject *kwds) {
    Py_buffer code, mask;
    PyObject *table;
    if (!PyArg_ParseTuple(args, "y*y*O", &code, &mask, &table)) return -1;
    int ok = -1;
    uint8_t *skips = NULL, *block = NULL;
    int64_t *targets = NULL;
    PyObject *seq = NULL;
    if (code.len != mask.len || code.len > 0x7FFFFFF0) {
        PyErr_SetString(PyExc_ValueError, "code and bitmask must have the same length (< 2^31)");
        goto done;
    }
    uint32_t n = (uint32_t)code.len;
    Decoder d = {code.buf, mask.buf, n, NULL, NULL};
    skips = PyMem_Malloc(n + 1);
    block = PyMem_Calloc(n + 1, 1);
    self->at = PyMem_Malloc(sizeof(int32_t) * (n + 1));
    if (!skips || !block || !self->at) { PyErr_NoMemory(); goto done; }
    d.skips = skips;
    d.block = block;
    /* skip(i): distance to the next set bit of k ⌢ [1, 1, ...], at most 24 (A.3) */
    for (uint32_t i = n, nxt = n; i-- > 0;) {
        uint32_t s = nxt - i - 1;
        skips[i] = (uint8_t)(s < 24 ? s : 24);
        if (d.mask[i]) nxt = i;
    }
    /* ϖ: basic-block starts (A.5) */
    if (n && d.mask[0] && VALID[d.code[0]]) block[0] = 1;
    for (uint32_t i = 0; i < n; i++) {
        if (d.mask[i] && terminator(d.code[i])) {
            uint64_t j = (uint64_t)i + 1 + skips[i];
            if (j < n && d.mask[j] && VALID[d.code[j]]) block[j] = 1;
        }
    }
    /* Instruction starts in pc order, each followed by an implicit trap entry when its
     * fall-through pc (pc + 1 + skip) starts nothing (past the end, or after a capped skip):
     * so every instruction falls through to the very next entry, and the run loop steps with
     * c + 1 instead of loading a successor (no load on the critical path). */
    uint32_t count = 0, prev = 0;
    int have_prev = 0;
    for (uint32_t i = 0; i <= n; i++) {
        if (i < n) self->at[i] = -1;
        if (i < n && !d.mask[i]) continue;
        if (have_prev && (uint64_t)prev + 1 + skip_of(&d, prev) != i) count++; /* its implicit trap */
        if (i == n) break;
        self->at[i] = (int32_t)count++;
        prev = i;
        have_prev = 1;
    }
    if (have_prev && (uint64_t)prev + 1 + skip_of(&d, prev) == n) count++; /* the trap past the end */
    self->at[n] = -1;
    uint32_t cap = count ? count : 1;
    self->ins = PyMem_Calloc(cap, sizeof(Ins));
    targets = PyMem_Malloc(sizeof(int64_t) * cap);
    if (!self->ins || !targets) { PyErr_NoMemory(); goto done; }
    for (uint32_t k = 0; k < cap; k++) targets[k] = -1;
    for (uint32_t i = 0; i < n; i++) {
        if (self->at[i] < 0) continue;
        uint32_t k = (uint32_t)self->at[i];
        decode_one(&d, i, &self->ins[k], &targets[k]);
        uint64_t next = (uint64_t)i + 1 + skip_of(&d, i);
        if (next >= n || self->at[next] != (int32_t)k + 1) self->ins[k + 1].pc = (uint32_t)next; /* op 0: trap */
    }
    for (uint32_t k = 0; k < count; k++)
        self->ins[k].target = targets[k] < 0 ? NO_TARGET : (uint32_t)self->at[targets[k]];
    self->count = count;
    self->n = n;
    /* the jump table, resolved to block-start instruction indices (A.9) */
    seq = PySequence_Fast(table, "jump table must be a sequence of ints");
    if (!seq) goto done;
    Py_ssize_t nj = PySequence_Fast_GET_SIZE(seq);
    self->jumps = PyMem_Malloc(sizeof(uint32_t) * (nj ? nj : 1));
    if (!self->jumps) { PyErr_NoMemory(); goto done; }
    for (Py_ssize_t i = 0; i < nj; i++) {
        unsigned long long t = PyLong_AsUnsignedLongLong(PySequence_Fast_GET_ITEM(seq, i));
        if (PyErr_Occurred()) goto done;
        self->jumps[i] = (t < n && block[t]) ? (uint32_t)self->at[t] : NO_TARGET;
    }
    self->njumps = (uint32_t)nj;
    self->nbytes = (Py_ssize_t)(sizeof(Ins) * cap + sizeof(int32_t) * (n + 1) + sizeof(uint32_t) * nj + sizeof *self);
    ok = 0;
done:
    Py_XDECREF(seq);
    PyMem_Free(skips);
    PyMem_Free(block);
    PyMem_Free(targets);
    PyBuffer_Release(&code);
    PyBuffer_Release(&mask);
    return ok;
}

static PyObject *Program_nbytes(ProgramObject *self, void *closure) { return PyLong_FromSsize_t(self->nbytes); }

static PyObject *Program_next_pc(ProgramObject *self, PyObject *arg) {
    /* pc + 1 + skip(pc): where execution resumes after the instruction at pc (a host call) */
    unsigned long long pc = PyLong_AsUnsignedLongLong(arg);
    if (PyErr_Occurred()) return NULL;
    if (pc < self->n && self->at[pc] >= 0) return PyLong_FromUnsignedLong(self->ins[self->at[pc] + 1].pc);
    return PyLong_FromUnsignedLongLong(pc + 1);
}

static PyGetSetDef Program_getset[] = {
    {"nbytes", (getter)Program_nbytes, NULL, "octets of memory held by the decoded program", NULL},
    {NULL},
};
static PyMethodDef Program_methods[] = {
    {"next_pc", (PyCFunction)Program_next_pc, METH_O, "next_pc(pc): pc + 1 + skip(pc)"},
    {NULL},
};

static PyTypeObject ProgramType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "jamliquor_polkavm._pvm.Program",
    .tp_basicsize = sizeof(ProgramObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Program(code, bitmask, jump_table): a deblobbed program, decoded once",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Program_init,
    .tp_dealloc = (destructor)Program_dealloc,
    .tp_getset = Program_getset,
    .tp_methods = Program_methods,
};

/* ------------------------------------------------------------------ sparse memory (program.Memory) */

typedef struct {
    uint8_t *data[1024];
    uint8_t writable[1024];
} Leaf;

typedef struct { uint32_t first, end; int writable; } Region;

typedef struct {
    PyObject_HEAD
    ProgramObject *program;
    uint64_t regs[13];
    Leaf *leaves[LEAVES];
    Region *regions;
    Py_ssize_t nregions, cap_regions;
    uint64_t heap;
    Py_ssize_t resident;
} MachineObject;

static Region *region_of(MachineObject *m, uint32_t page) {
    for (Py_ssize_t i = 0; i < m->nregions; i++)
        if (m->regions[i].first <= page && page < m->regions[i].end) return &m->regions[i];
    return NULL;
}

static uint8_t *page_data(MachineObject *m, uint32_t page) {
    Leaf *leaf = m->leaves[page >> 10];
    return leaf ? leaf->data[page & 1023] : NULL;
}

static int page_allowed(MachineObject *m, uint32_t page, int write) {
    Leaf *leaf = m->leaves[page >> 10];
    if (leaf && leaf->data[page & 1023] && (!write || leaf->writable[page & 1023])) return 1;
    Region *r = region_of(m, page);
    return r && (r->writable || !write);
}

static uint8_t *materialise(MachineObject *m, uint32_t page) {
    Leaf *leaf = m->leaves[page >> 10];
    if (!leaf) {
        leaf = m->leaves[page >> 10] = PyMem_Calloc(1, sizeof(Leaf));
        if (!leaf) return NULL;
    }
    uint8_t *d = leaf->data[page & 1023];
    if (!d) {
        d = leaf->data[page & 1023] = PyMem_Calloc(1, PAGE);
        if (!d) return NULL;
        Region *r = region_of(m, page);
        leaf->writable[page & 1023] = r && r->writable;
        m->resident++;
    }
    return d;
}

static int allow(MachineObject *m, uint64_t first, uint64_t end, int writable) {
    if (first >= end) return 0;
    for (Py_ssize_t i = 0; i < m->nregions; i++)
        if (m->regions[i].writable == writable && m->regions[i].end == first) { m->regions[i].end = (uint32_t)end; return 0; }
    if (m->nregions == m->cap_regions) {
        Py_ssize_t cap = m->cap_regions ? 2 * m->cap_regions : 8;
        Region *grown = PyMem_Realloc(m->regions, sizeof(Region) * cap);
        if (!grown) return -1;
        m->regions = grown;
        m->cap_regions = cap;
    }
    m->regions[m->nregions++] = (Region){(uint32_t)first, (uint32_t)end, writable};
    return 0;
}

/* the lowest (first in order, mod 2^32) inaccessible address of [address, address+length), or -1 */
static int64_t first_fault(MachineObject *m, uint64_t address, uint64_t length, int write) {
    address &= M32;
    if (length > (1ull << 32)) length = 1ull << 32; /* beyond that the range wraps onto itself */
    while (length > 0) {
        if (!page_allowed(m, (uint32_t)(address >> 12), write)) return (int64_t)address;
        uint64_t step = PAGE - (address & (PAGE - 1));
        if (step > length) step = length;
        address = (address + step) & M32;
        length -= step;
    }
    return -1;
}

/* checked copy out of guest memory (zeros for untouched pages); the fault address or -1 */
static int64_t mem_read(MachineObject *m, uint64_t address, uint8_t *out, uint64_t length) {
    int64_t fault = first_fault(m, address, length, 0);
    if (fault >= 0) return fault;
    address &= M32;
    while (length > 0) {
        uint64_t off = address & (PAGE - 1), step = PAGE - off;
        if (step > length) step = length;
        uint8_t *d = page_data(m, (uint32_t)(address >> 12));
        if (d) memcpy(out, d + off, step); else memset(out, 0, step);
        out += step;
        address = (address + step) & M32;
        length -= step;
    }
    return -1;
}

/* checked copy into guest memory; -1, the fault address, or -2 when out of host memory */
static int64_t mem_write(MachineObject *m, uint64_t address, const uint8_t *in, uint64_t length) {
    int64_t fault = first_fault(m, address, length, 1);
    if (fault >= 0) return fault;
    address &= M32;
    while (length > 0) {
        uint64_t off = address & (PAGE - 1), step = PAGE - off;
        if (step > length) step = length;
        uint8_t *d = materialise(m, (uint32_t)(address >> 12));
        if (!d) return -2;
        memcpy(d + off, in, step);
        in += step;
        address = (address + step) & M32;
        length -= step;
    }
    return -1;
}

/* Little-endian loads and stores written out per width: GCC and Clang turn each into one
 * machine load or store (their byte-combining passes) on little-endian hosts and into the
 * right byte swaps elsewhere; a loop over the octets is not combined and costs ~4x the run loop. */
static inline uint64_t get_le(const uint8_t *p, unsigned w) {
    switch (w) {
    case 1: return p[0];
    case 2: return (uint64_t)p[0] | (uint64_t)p[1] << 8;
    case 4: return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
    default:
        return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
               (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
    }
}
static inline void put_le(uint8_t *p, uint64_t v, unsigned w) {
    switch (w) {
    case 1: p[0] = (uint8_t)v; return;
    case 2: p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); return;
    case 4: p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); return;
    default:
        p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
        p[4] = (uint8_t)(v >> 32); p[5] = (uint8_t)(v >> 40); p[6] = (uint8_t)(v >> 48); p[7] = (uint8_t)(v >> 56);
    }
}

/* ------------------------------------------------------------------ the run loop Ψ (A.1) */

#define LOAD(w, sign)                                                                                  \
    do {                                                                                               \
        uint32_t page_ = (uint32_t)(addr >> 12), off_ = (uint32_t)(addr & (PAGE - 1));                \
        Leaf *leaf_ = m->leaves[page_ >> 10];                                                          \
        uint8_t *d_ = leaf_ ? leaf_->data[page_ & 1023] : NULL;                                        \
        uint8_t buf_[8];                                                                               \
        uint64_t v_;                                                                                   \
        if (d_ && off_ + (w) <= PAGE) v_ = get_le(d_ + off_, (w));                                     \
        else {                                                                                         \
            int64_t f_ = mem_read(m, addr, buf_, (w));                                                 \
            if (f_ >= 0) { fault = f_; goto memory_fault; }                                            \
            v_ = get_le(buf_, (w));                                                                    \
        }                                                                                              \
        dst = sign;                                                                                    \
    } while (0)

#define STORE(w, value)                                                                                \
    do {                                                                                               \
        uint32_t page_ = (uint32_t)(addr >> 12), off_ = (uint32_t)(addr & (PAGE - 1));                \
        Leaf *leaf_ = m->leaves[page_ >> 10];                                                          \
        uint8_t *d_ = leaf_ ? leaf_->data[page_ & 1023] : NULL;                                        \
        uint64_t v_ = (value);                                                                         \
        if (d_ && leaf_->writable[page_ & 1023] && off_ + (w) <= PAGE) put_le(d_ + off_, v_, (w));     \
        else {                                                                                         \
            uint8_t buf_[8];                                                                           \
            put_le(buf_, v_, (w));                                                                     \
            int64_t f_ = mem_write(m, addr, buf_, (w));                                                \
            if (f_ == -2) goto no_memory;                                                              \
            if (f_ >= 0) { fault = f_; goto memory_fault; }                                            \
        }                                                                                              \
    } while (0)

static PyObject *exit_tuple(int kind, uint64_t pc, int64_t gas, PyObject *value) {
    if (!value) return NULL;
    PyObject *t = Py_BuildValue("(iKLN)", kind, (unsigned long long)pc, (long long)gas, value);
    return t;
}

/* Dispatch: a switch in portable C; with GCC or Clang, threaded code through a table of label
 * addresses (the same handlers; the branch predictor sees one indirect jump per handler). Define
 * PVM_PORTABLE_SWITCH to build the switch everywhere. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(PVM_PORTABLE_SWITCH)
#define PVM_THREADED 1
#define CASE(n) op_##n
#define NEXT() do { if (--gas < 0) goto out_of_gas; goto *(const void *)((const char *)&&op_0 + c->handler); } while (0)
#define L(n) [n] = &&op_##n
#define DISPATCH_TABLE                                                                                  \
    static const void *const dispatch[256] = {                                                          \
        [0 ... 255] = &&op_0, L(1), L(10), L(20), L(30), L(31), L(32), L(33), L(40), L(50), L(51), L(52), \
        L(53), L(54), L(55), L(56), L(57), L(58), L(59), L(60), L(61), L(62), L(70), L(71), L(72), L(73),  \
        L(80), L(81), L(82), L(83), L(84), L(85), L(86), L(87), L(88), L(89), L(90), L(100), L(101),      \
        L(102), L(103), L(104), L(105), L(106), L(107), L(108), L(109), L(110), L(111), L(120), L(121),   \
        L(122), L(123), L(124), L(125), L(126), L(127), L(128), L(129), L(130), L(131), L(132), L(133),   \
        L(134), L(135), L(136), L(137), L(138), L(139), L(140), L(141), L(142), L(143), L(144), L(145),   \
        L(146), L(147), L(148), L(149), L(150), L(151), L(152), L(153), L(154), L(155), L(156), L(157),   \
        L(158), L(159), L(160), L(161), L(170), L(171), L(172), L(173), L(174), L(175), L(180), L(190),   \
        L(191), L(192), L(193), L(194), L(195), L(196), L(197), L(198), L(199), L(200), L(201), L(202),   \
        L(203), L(204), L(205), L(206), L(207), L(208), L(209), L(210), L(211), L(212), L(213), L(214),   \
        L(215), L(216), L(217), L(218), L(219), L(220), L(221), L(222), L(223), L(224), L(225), L(226),   \
        L(227), L(228), L(229), L(230)}
#else
#define CASE(n) case n
#define NEXT() continue
#endif

static PyObject *GAS_NAME; /* "gas": the attribute of a GuestAccess */

/* Ψ_H (A.34) in place: the guest's gas set, host(index, guest) called, its gas read back. A host
 * call that returns `proceed` with gas left in range resumes the run at the next instruction
 * (*resume = 1); otherwise the run ends here (EXIT_HOST_ENDED). NULL: the host call raised. */
static PyObject *host_call(PyObject *host, PyObject *guest, PyObject *proceed, uint64_t index, int64_t *gas, int *resume) {
    PyObject *value = PyLong_FromLongLong(*gas);
    if (!value) return NULL;
    int failed = PyObject_SetAttr(guest, GAS_NAME, value);
    Py_DECREF(value);
    if (failed) return NULL;
    PyObject *argv[2] = {PyLong_FromUnsignedLongLong(index), guest};
    if (!argv[0]) return NULL;
    PyObject *outcome = PyObject_Vectorcall(host, argv, 2, NULL);
    Py_DECREF(argv[0]);
    if (!outcome) return NULL;
    PyObject *left = PyObject_GetAttr(guest, GAS_NAME);
    if (!left) { Py_DECREF(outcome); return NULL; }
    int overflow = 1;
    long long g = PyLong_Check(left) ? PyLong_AsLongLongAndOverflow(left, &overflow) : 0;
    if (outcome == proceed && !overflow && g >= 0) {
        Py_DECREF(outcome);
        Py_DECREF(left);
        *gas = g;
        *resume = 1;
        return Py_None; /* borrowed, only a marker */
    }
    *resume = 0;
    return Py_BuildValue("(NN)", left, outcome);
}

static PyObject *Machine_run(MachineObject *m, PyObject *args) {
    unsigned long long start_pc;
    long long gas_in;
    PyObject *host = Py_None, *guest = Py_None, *proceed = Py_None;
    if (!PyArg_ParseTuple(args, "KL|OOO", &start_pc, &gas_in, &host, &guest, &proceed)) return NULL;
    const ProgramObject *p = m->program;
    const Ins *ins = p->ins;
    uint64_t *R = m->regs;
    int64_t gas = gas_in;
    int64_t fault = 0;
    uint64_t limit = (uint64_t)p->n + 64; /* as Program.limit: beyond it a pc never gets */
    if (start_pc >= limit) {
        if (gas <= 0) return exit_tuple(EXIT_OOG, start_pc, gas - 1, Py_NewRef(Py_None));
        return exit_tuple(EXIT_PANIC, 0, gas - 1, Py_NewRef(Py_None));
    }
    if (start_pc >= p->n || p->at[start_pc] < 0) { /* not an instruction start: an implicit trap */
        gas -= 1;
        if (gas < 0) return exit_tuple(EXIT_OOG, start_pc, gas, Py_NewRef(Py_None));
        return exit_tuple(EXIT_PANIC, 0, gas, Py_NewRef(Py_None));
    }
    const Ins *c = ins + p->at[start_pc];
    uint64_t a, b, addr, dst;
#ifdef PVM_THREADED
    DISPATCH_TABLE;
    if (!p->threaded) {
        for (uint32_t k = 0; k < p->count; k++) p->ins[k].handler = (int32_t)((const char *)dispatch[p->ins[k].op] - (const char *)&&op_0);
        ((ProgramObject *)p)->threaded = 1;
    }
    NEXT();
#endif
    for (;;) {
#ifndef PVM_THREADED
        if (--gas < 0) goto out_of_gas;
        switch (c->op) {
#endif
        CASE(0): goto panic;
        CASE(1): c++; NEXT();
        CASE(10): {
            if (host == Py_None) return exit_tuple(EXIT_HOST, c->pc, gas, PyLong_FromUnsignedLongLong(c->x));
            int resume;
            PyObject *ended = host_call(host, guest, proceed, c->x, &gas, &resume);
            if (!ended) return NULL;
            if (resume) { c++; NEXT(); } /* the next entry: the next instruction, or its implicit trap */
            PyObject *out = Py_BuildValue("(iKOO)", EXIT_HOST_ENDED, (unsigned long long)c->pc,
                                          PyTuple_GET_ITEM(ended, 0), PyTuple_GET_ITEM(ended, 1));
            Py_DECREF(ended);
            return out;
        }
        CASE(20): CASE(51): R[c->ra] = c->x; c++; NEXT();
        CASE(30): addr = c->x; STORE(1, c->y); c++; NEXT();
        CASE(31): addr = c->x; STORE(2, c->y); c++; NEXT();
        CASE(32): addr = c->x; STORE(4, c->y); c++; NEXT();
        CASE(33): addr = c->x; STORE(8, c->y); c++; NEXT();
        CASE(40): if (c->target == NO_TARGET) goto panic; c = ins + c->target; NEXT();
        CASE(50): addr = (R[c->ra] + c->x) & M32; goto djump;
        CASE(52): addr = c->x; LOAD(1, v_); R[c->ra] = dst; c++; NEXT();
        CASE(53): addr = c->x; LOAD(1, sx8(v_)); R[c->ra] = dst; c++; NEXT();
        CASE(54): addr = c->x; LOAD(2, v_); R[c->ra] = dst; c++; NEXT();
        CASE(55): addr = c->x; LOAD(2, sx16(v_)); R[c->ra] = dst; c++; NEXT();
        CASE(56): addr = c->x; LOAD(4, v_); R[c->ra] = dst; c++; NEXT();
        CASE(57): addr = c->x; LOAD(4, sx32(v_)); R[c->ra] = dst; c++; NEXT();
        CASE(58): addr = c->x; LOAD(8, v_); R[c->ra] = dst; c++; NEXT();
        CASE(59): addr = c->x; STORE(1, R[c->ra]); c++; NEXT();
        CASE(60): addr = c->x; STORE(2, R[c->ra]); c++; NEXT();
        CASE(61): addr = c->x; STORE(4, R[c->ra]); c++; NEXT();
        CASE(62): addr = c->x; STORE(8, R[c->ra]); c++; NEXT();
        CASE(70): addr = (R[c->ra] + c->x) & M32; STORE(1, c->y); c++; NEXT();
        CASE(71): addr = (R[c->ra] + c->x) & M32; STORE(2, c->y); c++; NEXT();
        CASE(72): addr = (R[c->ra] + c->x) & M32; STORE(4, c->y); c++; NEXT();
        CASE(73): addr = (R[c->ra] + c->x) & M32; STORE(8, c->y); c++; NEXT();
        CASE(80): R[c->ra] = c->x; if (c->target == NO_TARGET) goto panic; c = ins + c->target; NEXT();
#define BRANCH(cond) a = R[c->ra]; if (cond) { if (c->target == NO_TARGET) goto panic; c = ins + c->target; } else c++; NEXT()
        CASE(81): BRANCH(a == c->x);
        CASE(82): BRANCH(a != c->x);
        CASE(83): BRANCH(a < c->x);
        CASE(84): BRANCH(a <= c->x);
        CASE(85): BRANCH(a >= c->x);
        CASE(86): BRANCH(a > c->x);
        CASE(87): BRANCH(slt(a, c->x));
        CASE(88): BRANCH(!slt(c->x, a));
        CASE(89): BRANCH(!slt(a, c->x));
        CASE(90): BRANCH(slt(c->x, a));
        CASE(170): b = R[c->rb]; BRANCH(a == b);
        CASE(171): b = R[c->rb]; BRANCH(a != b);
        CASE(172): b = R[c->rb]; BRANCH(a < b);
        CASE(173): b = R[c->rb]; BRANCH(slt(a, b));
        CASE(174): b = R[c->rb]; BRANCH(a >= b);
        CASE(175): b = R[c->rb]; BRANCH(!slt(a, b));
#undef BRANCH
#define TWO(expr) a = R[c->ra]; R[c->rd] = (expr); c++; NEXT()
        CASE(100): TWO(a);
        CASE(102): TWO(popcount64(a));
        CASE(103): TWO(popcount64(a & M32));
        CASE(104): TWO(64 - bitlen(a));
        CASE(105): TWO(32 - bitlen(a & M32));
        CASE(106): TWO(ctz(a, 64));
        CASE(107): TWO(ctz(a & M32, 32));
        CASE(108): TWO(sx8(a));
        CASE(109): TWO(sx16(a));
        CASE(110): TWO(a & 0xFFFF);
        CASE(111): TWO(bswap64(a));
#undef TWO
        CASE(101): { /* sbrk (A.5.9): grow the heap by ω_A; new pages cost nothing until written */
            uint64_t size = R[c->ra], current = m->heap;
            if (size) {
                uint64_t top = current + size;
                if (top < current || top > (1ull << 32)) goto panic;
                if (allow(m, (current + PAGE - 1) / PAGE, (top + PAGE - 1) / PAGE, 1) < 0) goto no_memory;
                m->heap = top;
            }
            R[c->rd] = current;
            c++;
            NEXT();
        }
        CASE(120): addr = (R[c->rb] + c->x) & M32; STORE(1, R[c->ra]); c++; NEXT();
        CASE(121): addr = (R[c->rb] + c->x) & M32; STORE(2, R[c->ra]); c++; NEXT();
        CASE(122): addr = (R[c->rb] + c->x) & M32; STORE(4, R[c->ra]); c++; NEXT();
        CASE(123): addr = (R[c->rb] + c->x) & M32; STORE(8, R[c->ra]); c++; NEXT();
        CASE(124): addr = (R[c->rb] + c->x) & M32; LOAD(1, v_); R[c->ra] = dst; c++; NEXT();
        CASE(125): addr = (R[c->rb] + c->x) & M32; LOAD(1, sx8(v_)); R[c->ra] = dst; c++; NEXT();
        CASE(126): addr = (R[c->rb] + c->x) & M32; LOAD(2, v_); R[c->ra] = dst; c++; NEXT();
        CASE(127): addr = (R[c->rb] + c->x) & M32; LOAD(2, sx16(v_)); R[c->ra] = dst; c++; NEXT();
        CASE(128): addr = (R[c->rb] + c->x) & M32; LOAD(4, v_); R[c->ra] = dst; c++; NEXT();
        CASE(129): addr = (R[c->rb] + c->x) & M32; LOAD(4, sx32(v_)); R[c->ra] = dst; c++; NEXT();
        CASE(130): addr = (R[c->rb] + c->x) & M32; LOAD(8, v_); R[c->ra] = dst; c++; NEXT();
#define IMM(expr) b = R[c->rb]; a = R[c->ra]; R[c->ra] = (expr); c++; NEXT()
        CASE(131): IMM(sx32(b + c->x));
        CASE(132): IMM(b & c->x);
        CASE(133): IMM(b ^ c->x);
        CASE(134): IMM(b | c->x);
        CASE(135): IMM(sx32(b * c->x));
        CASE(136): IMM(b < c->x);
        CASE(137): IMM(slt(b, c->x));
        CASE(138): IMM(sx32(b << (c->x & 31)));
        CASE(139): IMM(sx32((b & M32) >> (c->x & 31)));
        CASE(140): IMM(sar64(sx32(b), c->x & 31));
        CASE(141): IMM(sx32(c->x - b));
        CASE(142): IMM(b > c->x);
        CASE(143): IMM(slt(c->x, b));
        CASE(144): IMM(sx32(c->x << (b & 31)));
        CASE(145): IMM(sx32((c->x & M32) >> (b & 31)));
        CASE(146): IMM(sar64(sx32(c->x), b & 31));
        CASE(147): IMM(b == 0 ? c->x : a);
        CASE(148): IMM(b != 0 ? c->x : a);
        CASE(149): IMM(b + c->x);
        CASE(150): IMM(b * c->x);
        CASE(151): IMM(b << (c->x & 63));
        CASE(152): IMM(b >> (c->x & 63));
        CASE(153): IMM(sar64(b, c->x & 63));
        CASE(154): IMM(c->x - b);
        CASE(155): IMM(c->x << (b & 63));
        CASE(156): IMM(c->x >> (b & 63));
        CASE(157): IMM(sar64(c->x, b & 63));
        CASE(158): IMM(rotr64(b, c->x));
        CASE(159): IMM(rotr64(c->x, b));
        CASE(160): IMM(sx32(rotr32(b, c->x)));
        CASE(161): IMM(sx32(rotr32(c->x, b)));
#undef IMM
        CASE(180): /* the address uses ω_B before ω'_A = ν_X, which is written whatever the jump does */
            addr = (R[c->rb] + c->y) & M32;
            R[c->ra] = c->x;
            goto djump;
#define THREE(expr) a = R[c->ra]; b = R[c->rb]; R[c->rd] = (expr); c++; NEXT()
        CASE(190): THREE(sx32(a + b));
        CASE(191): THREE(sx32(a - b));
        CASE(192): THREE(sx32(a * b));
        CASE(193): THREE((b & M32) == 0 ? ~0ull : sx32((a & M32) / (b & M32)));
        CASE(194): THREE(div_s32(a, b));
        CASE(195): THREE((b & M32) == 0 ? sx32(a) : sx32((a & M32) % (b & M32)));
        CASE(196): THREE(rem_s32(a, b));
        CASE(197): THREE(sx32(a << (b & 31)));
        CASE(198): THREE(sx32((a & M32) >> (b & 31)));
        CASE(199): THREE(sar64(sx32(a), b & 31));
        CASE(200): THREE(a + b);
        CASE(201): THREE(a - b);
        CASE(202): THREE(a * b);
        CASE(203): THREE(b == 0 ? ~0ull : a / b);
        CASE(204): THREE(div_s64(a, b));
        CASE(205): THREE(b == 0 ? a : a % b);
        CASE(206): THREE(rem_s64(a, b));
        CASE(207): THREE(a << (b & 63));
        CASE(208): THREE(a >> (b & 63));
        CASE(209): THREE(sar64(a, b & 63));
        CASE(210): THREE(a & b);
        CASE(211): THREE(a ^ b);
        CASE(212): THREE(a | b);
        CASE(213): THREE(mulh_ss(a, b));
        CASE(214): THREE(mulhu(a, b));
        CASE(215): THREE(mulh_su(a, b));
        CASE(216): THREE(a < b);
        CASE(217): THREE(slt(a, b));
        CASE(218): THREE(b == 0 ? a : R[c->rd]);
        CASE(219): THREE(b != 0 ? a : R[c->rd]);
        CASE(220): THREE(rotl64(a, b));
        CASE(221): THREE(sx32(rotl32(a, b)));
        CASE(222): THREE(rotr64(a, b));
        CASE(223): THREE(sx32(rotr32(a, b)));
        CASE(224): THREE(a & ~b);
        CASE(225): THREE(a | ~b);
        CASE(226): THREE(~(a ^ b));
        CASE(227): THREE(slt(a, b) ? b : a);
        CASE(228): THREE(a < b ? b : a);
        CASE(229): THREE(slt(a, b) ? a : b);
        CASE(230): THREE(a < b ? a : b);
#undef THREE
#ifndef PVM_THREADED
        default: goto panic;
        }
#endif
    djump: /* A.9: halt at the magic address; otherwise an aligned table entry naming a block start */
        if (addr == HALT_ADDRESS) return exit_tuple(EXIT_HALT, 0, gas, Py_NewRef(Py_None));
        if (addr == 0 || addr > (uint64_t)p->njumps * 2 || (addr & 1) || p->jumps[addr / 2 - 1] == NO_TARGET) goto panic;
        c = ins + p->jumps[addr / 2 - 1];
        NEXT();
    }
out_of_gas:
    return exit_tuple(EXIT_OOG, c->pc, gas, Py_NewRef(Py_None));
panic:
    return exit_tuple(EXIT_PANIC, 0, gas, Py_NewRef(Py_None));
memory_fault: /* the faulting instruction keeps its gas charge (runloop.py); below 2^16: panic */
    if (fault < 0x10000) return exit_tuple(EXIT_PANIC, 0, gas, Py_NewRef(Py_None));
    return exit_tuple(EXIT_FAULT, c->pc, gas, PyLong_FromLongLong(fault & ~(int64_t)0xFFF));
no_memory:
    return PyErr_NoMemory();
}

/* ------------------------------------------------------------------ Machine: the Python face */

static PyTypeObject RegistersType;

typedef struct {
    PyObject_HEAD
    MachineObject *machine;
} RegistersObject;

static void Machine_dealloc(MachineObject *m) {
    for (unsigned l = 0; l < LEAVES; l++) {
        Leaf *leaf = m->leaves[l];
        if (!leaf) continue;
        for (unsigned k = 0; k < 1024; k++) PyMem_Free(leaf->data[k]);
        PyMem_Free(leaf);
    }
    PyMem_Free(m->regions);
    Py_XDECREF(m->program);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

static int set_registers(uint64_t *regs, PyObject *values) {
    PyObject *seq = PySequence_Fast(values, "registers must be a sequence of 13 ints");
    if (!seq) return -1;
    if (PySequence_Fast_GET_SIZE(seq) != 13) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "registers must be 13 ints");
        return -1;
    }
    for (int k = 0; k < 13; k++) {
        PyObject *v = PySequence_Fast_GET_ITEM(seq, k);
        uint64_t x = PyLong_AsUnsignedLongLongMask(v);
        if (x == (uint64_t)-1 && PyErr_Occurred()) { Py_DECREF(seq); return -1; }
        regs[k] = x;
    }
    Py_DECREF(seq);
    return 0;
}

static int Machine_init(MachineObject *m, PyObject *args, PyObject *kwds) {
    PyObject *program, *registers;
    if (!PyArg_ParseTuple(args, "O!O", &ProgramType, &program, &registers)) return -1;
    Py_XSETREF(m->program, (ProgramObject *)Py_NewRef(program));
    return set_registers(m->regs, registers);
}

static PyObject *Machine_map(MachineObject *m, PyObject *args) {
    unsigned long long start, length;
    Py_buffer data;
    int writable;
    if (!PyArg_ParseTuple(args, "KKy*p", &start, &length, &data, &writable)) return NULL;
    if (start % PAGE || start + length > (1ull << 32) || (unsigned long long)data.len > length) {
        PyBuffer_Release(&data);
        PyErr_SetString(PyExc_ValueError, "region must be page-aligned, within 2^32, and hold its data");
        return NULL;
    }
    uint64_t first = start / PAGE, end = (start + length + PAGE - 1) / PAGE;
    if (allow(m, first, end, writable) < 0) { PyBuffer_Release(&data); return PyErr_NoMemory(); }
    const uint8_t *bytes = data.buf;
    for (uint64_t k = 0; k * PAGE < (uint64_t)data.len; k++) {
        uint64_t len = (uint64_t)data.len - k * PAGE;
        if (len > PAGE) len = PAGE;
        int any = 0;
        for (uint64_t j = 0; j < len && !any; j++) any = bytes[k * PAGE + j] != 0;
        if (!any) continue; /* only pages the data reaches with something other than zeros */
        uint8_t *d = materialise(m, (uint32_t)(first + k));
        if (!d) { PyBuffer_Release(&data); return PyErr_NoMemory(); }
        memcpy(d, bytes + k * PAGE, len);
    }
    PyBuffer_Release(&data);
    Py_RETURN_NONE;
}

static PyObject *FaultError;

static PyObject *Machine_read(MachineObject *m, PyObject *args) {
    unsigned long long address, length;
    if (!PyArg_ParseTuple(args, "KK", &address, &length)) return NULL;
    /* the access check comes before the buffer: an inaccessible range faults without allocating it */
    int64_t f0 = first_fault(m, address, length, 0);
    if (f0 >= 0) {
        PyObject *v = PyLong_FromLongLong(f0);
        PyErr_SetObject(FaultError, v);
        Py_XDECREF(v);
        return NULL;
    }
    if (length > (1ull << 32)) return PyErr_NoMemory(); /* longer than the address space, all readable */
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)length);
    if (!out) return NULL;
    int64_t f = mem_read(m, address, (uint8_t *)PyBytes_AS_STRING(out), length);
    if (f >= 0) {
        Py_DECREF(out);
        PyObject *v = PyLong_FromLongLong(f);
        PyErr_SetObject(FaultError, v);
        Py_XDECREF(v);
        return NULL;
    }
    return out;
}

static PyObject *Machine_write(MachineObject *m, PyObject *args) {
    unsigned long long address;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "Ky*", &address, &data)) return NULL;
    int64_t f = mem_write(m, address, data.buf, (uint64_t)data.len);
    PyBuffer_Release(&data);
    if (f == -2) return PyErr_NoMemory();
    if (f >= 0) {
        PyObject *v = PyLong_FromLongLong(f);
        PyErr_SetObject(FaultError, v);
        Py_XDECREF(v);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *accessible(MachineObject *m, PyObject *args, int write) {
    unsigned long long address, length;
    if (!PyArg_ParseTuple(args, "KK", &address, &length)) return NULL;
    return PyBool_FromLong(first_fault(m, address, length, write) < 0);
}
static PyObject *Machine_is_readable(MachineObject *m, PyObject *args) { return accessible(m, args, 0); }
static PyObject *Machine_is_writable(MachineObject *m, PyObject *args) { return accessible(m, args, 1); }

static PyObject *Machine_resident_pages(MachineObject *m, PyObject *unused) {
    PyObject *out = PyList_New(0);
    if (!out) return NULL;
    for (unsigned l = 0; l < LEAVES; l++) {
        if (!m->leaves[l]) continue;
        for (unsigned k = 0; k < 1024; k++) {
            if (!m->leaves[l]->data[k]) continue;
            PyObject *v = PyLong_FromUnsignedLong(l * 1024u + k);
            if (!v || PyList_Append(out, v) < 0) { Py_XDECREF(v); Py_DECREF(out); return NULL; }
            Py_DECREF(v);
        }
    }
    return out;
}

static PyObject *Machine_get_regs(MachineObject *m, void *closure) {
    RegistersObject *r = PyObject_New(RegistersObject, &RegistersType);
    if (!r) return NULL;
    r->machine = (MachineObject *)Py_NewRef(m);
    return (PyObject *)r;
}
static int Machine_set_regs(MachineObject *m, PyObject *value, void *closure) {
    if (!value) { PyErr_SetString(PyExc_AttributeError, "cannot delete registers"); return -1; }
    return set_registers(m->regs, value);
}
static PyObject *Machine_get_heap(MachineObject *m, void *closure) { return PyLong_FromUnsignedLongLong(m->heap); }
static int Machine_set_heap(MachineObject *m, PyObject *value, void *closure) {
    if (!value) { PyErr_SetString(PyExc_AttributeError, "cannot delete heap"); return -1; }
    unsigned long long h = PyLong_AsUnsignedLongLong(value);
    if (PyErr_Occurred()) return -1;
    m->heap = h;
    return 0;
}

static PyGetSetDef Machine_getset[] = {
    {"regs", (getter)Machine_get_regs, (setter)Machine_set_regs, "ω: a mutable view of the 13 registers", NULL},
    {"heap", (getter)Machine_get_heap, (setter)Machine_set_heap, "sbrk's heap pointer", NULL},
    {NULL},
};

static PyMethodDef Machine_methods[] = {
    {"run", (PyCFunction)Machine_run, METH_VARARGS,
     "run(pc, gas[, host, guest, proceed]) -> (exit, pc, gas, fault page, host index or host outcome)"},
    {"map", (PyCFunction)Machine_map, METH_VARARGS, "map(address, length, data, writable)"},
    {"read", (PyCFunction)Machine_read, METH_VARARGS, "read(address, length) -> bytes; Fault(address)"},
    {"write", (PyCFunction)Machine_write, METH_VARARGS, "write(address, data); Fault(address)"},
    {"is_readable", (PyCFunction)Machine_is_readable, METH_VARARGS, NULL},
    {"is_writable", (PyCFunction)Machine_is_writable, METH_VARARGS, NULL},
    {"resident_pages", (PyCFunction)Machine_resident_pages, METH_NOARGS, "indices of the pages holding storage"},
    {NULL},
};

static PyTypeObject MachineType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "jamliquor_polkavm._pvm.Machine",
    .tp_basicsize = sizeof(MachineObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Machine(program, registers): registers and sparse memory of one PVM invocation",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Machine_init,
    .tp_dealloc = (destructor)Machine_dealloc,
    .tp_getset = Machine_getset,
    .tp_methods = Machine_methods,
};

/* Registers: the machine's C array as a mutable sequence of 13 ints (what host calls index) */

static void Registers_dealloc(RegistersObject *r) {
    Py_DECREF(r->machine);
    PyObject_Free(r);
}
static Py_ssize_t Registers_len(RegistersObject *r) { return 13; }
static PyObject *Registers_item(RegistersObject *r, Py_ssize_t k) {
    if (k < 0 || k >= 13) { PyErr_SetString(PyExc_IndexError, "register index out of range"); return NULL; }
    return PyLong_FromUnsignedLongLong(r->machine->regs[k]);
}
static int Registers_ass_item(RegistersObject *r, Py_ssize_t k, PyObject *v) {
    if (k < 0 || k >= 13) { PyErr_SetString(PyExc_IndexError, "register index out of range"); return -1; }
    if (!v) { PyErr_SetString(PyExc_TypeError, "registers cannot be deleted"); return -1; }
    if (!PyLong_Check(v)) { PyErr_SetString(PyExc_TypeError, "a register holds an int"); return -1; }
    uint64_t x = PyLong_AsUnsignedLongLong(v); /* ω holds unsigned 64-bit values: others raise */
    if (x == (uint64_t)-1 && PyErr_Occurred()) return -1;
    r->machine->regs[k] = x;
    return 0;
}
static PyObject *Registers_repr(RegistersObject *r) {
    PyObject *list = PyList_New(13);
    if (!list) return NULL;
    for (int k = 0; k < 13; k++) PyList_SET_ITEM(list, k, PyLong_FromUnsignedLongLong(r->machine->regs[k]));
    PyObject *s = PyObject_Repr(list);
    Py_DECREF(list);
    return s;
}
static PyObject *Registers_list(RegistersObject *r) {
    PyObject *list = PyList_New(13);
    if (!list) return NULL;
    for (int k = 0; k < 13; k++) {
        PyObject *v = PyLong_FromUnsignedLongLong(r->machine->regs[k]);
        if (!v) { Py_DECREF(list); return NULL; }
        PyList_SET_ITEM(list, k, v);
    }
    return list;
}
/* ω[k] and ω[i:j] (a list), as on the list the Python backend hands to host calls */
static PyObject *Registers_subscript(RegistersObject *r, PyObject *key) {
    if (PyIndex_Check(key)) {
        Py_ssize_t k = PyNumber_AsSsize_t(key, PyExc_IndexError);
        if (k == -1 && PyErr_Occurred()) return NULL;
        return Registers_item(r, k < 0 ? k + 13 : k);
    }
    PyObject *list = Registers_list(r);
    if (!list) return NULL;
    PyObject *out = PyObject_GetItem(list, key);
    Py_DECREF(list);
    return out;
}
static int Registers_ass_subscript(RegistersObject *r, PyObject *key, PyObject *v) {
    if (PyIndex_Check(key)) {
        Py_ssize_t k = PyNumber_AsSsize_t(key, PyExc_IndexError);
        if (k == -1 && PyErr_Occurred()) return -1;
        return Registers_ass_item(r, k < 0 ? k + 13 : k, v);
    }
    PyObject *list = Registers_list(r);
    if (!list) return -1;
    int ok = v ? PyObject_SetItem(list, key, v) : -1;
    if (!v) PyErr_SetString(PyExc_TypeError, "registers cannot be deleted");
    if (ok == 0 && PyList_GET_SIZE(list) != 13) {
        PyErr_SetString(PyExc_ValueError, "there are exactly 13 registers");
        ok = -1;
    }
    uint64_t regs[13];
    if (ok == 0) ok = set_registers(regs, list);
    if (ok == 0) memcpy(r->machine->regs, regs, sizeof regs);
    Py_DECREF(list);
    return ok;
}
static PyMappingMethods Registers_map = {
    .mp_length = (lenfunc)Registers_len,
    .mp_subscript = (binaryfunc)Registers_subscript,
    .mp_ass_subscript = (objobjargproc)Registers_ass_subscript,
};
static PyObject *Registers_eq(RegistersObject *r, PyObject *other, int op) {
    PyObject *list = Registers_list(r);
    if (!list) return NULL;
    PyObject *out = PyObject_RichCompare(list, other, op);
    Py_DECREF(list);
    return out;
}
static PySequenceMethods Registers_seq = {
    .sq_length = (lenfunc)Registers_len,
    .sq_item = (ssizeargfunc)Registers_item,
    .sq_ass_item = (ssizeobjargproc)Registers_ass_item,
};
static PyTypeObject RegistersType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "jamliquor_polkavm._pvm.Registers",
    .tp_basicsize = sizeof(RegistersObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "the 13 registers of a Machine, in place",
    .tp_dealloc = (destructor)Registers_dealloc,
    .tp_as_sequence = &Registers_seq,
    .tp_as_mapping = &Registers_map,
    .tp_richcompare = (richcmpfunc)Registers_eq,
    .tp_repr = (reprfunc)Registers_repr,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_pvm", "The compiled PVM backend (GP v0.7.2 appendix A).", -1, NULL,
};

PyMODINIT_FUNC PyInit__pvm(void) {
    if (PyType_Ready(&ProgramType) < 0 || PyType_Ready(&MachineType) < 0 || PyType_Ready(&RegistersType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    FaultError = PyErr_NewException("jamliquor_polkavm._pvm.Fault", NULL, NULL);
    GAS_NAME = PyUnicode_InternFromString("gas");
    if (!FaultError || !GAS_NAME || PyModule_AddObjectRef(m, "Fault", FaultError) < 0 ||
        PyModule_AddObjectRef(m, "Program", (PyObject *)&ProgramType) < 0 ||
        PyModule_AddObjectRef(m, "Machine", (PyObject *)&MachineType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
