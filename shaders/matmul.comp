// matmul.comp: mirrors MatmulForward: dst (T,OC) = src (T,C) . weight (OC,C)^T + bias (OC). Also the lm_head (over wte, no bias).
//
// Variants, chosen by defines injected after #version:
//   NAIVE   one invocation per output: the reference the others are checked against.
//   MATVEC  a workgroup per tile of ROWS output channels, LANES threads per channel split the dot product and
//           reduce in shared memory. For decode (T of 1 to a few): memory-bound, so each weight row is read once,
//           contiguously.
//   (none)  tiled: a workgroup computes a TILE x TILE block of outputs from shared-memory tiles of src and weight,
//           each thread a 4x4 register block. For prefill, where the same weights serve many rows.
//   HAS_BIAS adds bias[o]; without it (the lm_head) binding 3 is unused.
#version 430
#include "common.glsl"

layout(std430, binding = BINDING_DST) writeonly buffer Dst { float dst[]; };       // (T,outStride) from outOffset
layout(std430, binding = BINDING_SRC) readonly buffer Src { float src[]; };        // (T,C) from inOffset
layout(std430, binding = BINDING_SRC2) readonly buffer Weight { float weight[]; }; // (OC,C) from weightOffset
#ifdef HAS_BIAS
layout(std430, binding = BINDING_SRC3) readonly buffer Bias { float bias[]; };     // (OC)
#endif

void store(uint t, uint o, float acc) {
#ifdef HAS_BIAS
    acc += bias[o];
#endif
    dst[outOffset + t * outStride + o] = acc;
}

#if defined(NAIVE)
layout(local_size_x = 64) in;
void main() {
    uint o = gl_GlobalInvocationID.x;
    uint t = gl_GlobalInvocationID.y;
    if (o >= OC || t >= T) return;
    float acc = 0.0;
    for (uint k = 0; k < C; k++) acc += src[inOffset + t * C + k] * weight[weightOffset + o * C + k];
    store(t, o, acc);
}

#elif defined(MATVEC)
// LANES neighbouring threads share one output row and read its weights contiguously; a single barrier then hands
// their partial sums to one thread per row. (A tree reduction costs a barrier per level, and barriers are what a
// CPU driver such as llvmpipe pays most for.)
#ifndef WG
#define WG 256
#endif
#ifndef LANES
#define LANES 8
#endif
#define ROWS (WG / LANES)
layout(local_size_x = WG) in;  // GLSL 4.30 takes only a literal or a macro of one here
shared float partial[WG];
#ifdef VEC4
// Four-wide views of the same buffers: the host sets VEC4 only when C and every offset are multiples of 4.
layout(std430, binding = BINDING_SRC) readonly buffer Src4 { vec4 src4[]; };
layout(std430, binding = BINDING_SRC2) readonly buffer Weight4 { vec4 weight4[]; };
#endif

void main() {
    uint lid = gl_LocalInvocationID.x;
    uint r = lid / LANES;
    uint lane = lid - r * LANES;
    // OC can pass the 65535-group limit of one dimension (a large vocabulary), so groups form a 2D grid.
    uint o = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * ROWS + r;
    bool inRange = o < OC;  // no early return: every thread must reach the barriers
    uint w = weightOffset + o * C;
    for (uint t = 0; t < T; t++) {
        uint s = inOffset + t * C;
        float acc = 0.0;
        if (inRange) {
#ifdef VEC4
            for (uint k = lane; k < C / 4; k += LANES) acc += dot(src4[s / 4 + k], weight4[w / 4 + k]);
#else
            for (uint k = lane; k < C; k += LANES) acc += src[s + k] * weight[w + k];
#endif
        }
        partial[lid] = acc;
        barrier();
        if (inRange && lane == 0) {
            float sum = 0.0;
            for (uint j = 0; j < LANES; j++) sum += partial[lid + j];
            store(t, o, sum);
        }
        barrier();
    }
}

#else
#define TILE 64   // outputs per workgroup along each of T and OC
#define TK 16     // reduction slice held in shared memory
layout(local_size_x = 16, local_size_y = 16) in;
shared float srcTile[TILE][TK + 1];     // +1 column: avoids bank conflicts on the transposed reads
shared float weightTile[TILE][TK + 1];

void main() {
    uint o0 = gl_WorkGroupID.x * TILE;
    uint t0 = gl_WorkGroupID.y * TILE;
    uint tx = gl_LocalInvocationID.x;
    uint ty = gl_LocalInvocationID.y;
    uint lid = ty * 16 + tx;
    float acc[4][4];
    for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) acc[i][j] = 0.0;

    for (uint k0 = 0; k0 < C; k0 += TK) {
        // 256 threads load two 64x16 tiles, four elements each; out-of-range elements are zero.
        for (uint e = lid; e < TILE * TK; e += 256) {
            uint r = e / TK;
            uint k = e - r * TK;
            srcTile[r][k] = (t0 + r < T && k0 + k < C) ? src[inOffset + (t0 + r) * C + k0 + k] : 0.0;
            weightTile[r][k] = (o0 + r < OC && k0 + k < C) ? weight[weightOffset + (o0 + r) * C + k0 + k] : 0.0;
        }
        barrier();
        for (uint k = 0; k < TK; k++) {
            float a[4];
            float b[4];
            for (int i = 0; i < 4; i++) a[i] = srcTile[ty + 16 * i][k];
            for (int j = 0; j < 4; j++) b[j] = weightTile[tx + 16 * j][k];
            for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) acc[i][j] += a[i] * b[j];
        }
        barrier();
    }
    for (int i = 0; i < 4; i++) {
        uint t = t0 + ty + 16 * i;
        if (t >= T) continue;
        for (int j = 0; j < 4; j++) {
            uint o = o0 + tx + 16 * j;
            if (o < OC) store(t, o, acc[i][j]);
        }
    }
}
#endif
