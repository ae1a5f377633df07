// attention.comp: mirrors AttentionForward: causal multi-head attention of qkv (T,3C) over the KV cache, dst (T,C).
//
// Row t sits at absolute position p = pos0 + t and attends cache rows 0..p. The softmax subtracts the row's
// maximum before exp, so large scores cannot overflow. KvCacheWrite must have run for this pass's rows.
#version 430
#include "common.glsl"

#ifndef WG
#define WG 64
#endif
#ifndef MAX_T
#define MAX_T 1024
#endif
layout(local_size_x = WG) in;

layout(std430, binding = BINDING_DST) writeonly buffer Dst { float dst[]; };      // (T,C)
layout(std430, binding = BINDING_SRC) readonly buffer Qkv { float qkv[]; };       // (T,3C)
layout(std430, binding = BINDING_SRC2) readonly buffer KCache { float kCache[]; }; // (maxT,C)
layout(std430, binding = BINDING_SRC3) readonly buffer VCache { float vCache[]; }; // (maxT,C)
#ifdef NAIVE
layout(std430, binding = BINDING_SRC4) buffer Scores { float scores[]; };         // (T,NH,maxT) scratch
#endif

#ifdef NAIVE
// Reference variant: one invocation per (row, head), the same three loops as the CPU.
void main() {
    uint t = gl_GlobalInvocationID.x;
    uint h = gl_GlobalInvocationID.y;
    if (t >= T || h >= NH) return;
    uint hs = C / NH;
    uint p = pos0 + t;
    float scale = inversesqrt(float(hs));
    uint q = t * 3 * C + h * hs;
    uint s = (t * NH + h) * maxT;
    float maxScore = -3.402823466e38;
    for (uint j = 0; j <= p; j++) {
        float dot = 0.0;
        for (uint d = 0; d < hs; d++) dot += qkv[q + d] * kCache[j * C + h * hs + d];
        scores[s + j] = dot * scale;
        maxScore = max(maxScore, dot * scale);
    }
    float sum = 0.0;
    for (uint j = 0; j <= p; j++) { float e = exp(scores[s + j] - maxScore); scores[s + j] = e; sum += e; }
    for (uint d = 0; d < hs; d++) {
        float acc = 0.0;
        for (uint j = 0; j <= p; j++) acc += scores[s + j] * vCache[j * C + h * hs + d];
        dst[t * C + h * hs + d] = acc / sum;
    }
}
#else
// One workgroup per (head, row): the threads share the scores of one query in shared memory.
shared float weights[MAX_T];
shared float partial[WG];

float reduceMax(float value) {
    uint lid = gl_LocalInvocationID.x;
    barrier();  // every thread has read the previous result before partial[] is overwritten
    partial[lid] = value;
    barrier();
    for (uint stride = WG / 2; stride > 0; stride >>= 1) {
        if (lid < stride) partial[lid] = max(partial[lid], partial[lid + stride]);
        barrier();
    }
    return partial[0];
}

float reduceSum(float value) {
    uint lid = gl_LocalInvocationID.x;
    barrier();  // every thread has read the previous result before partial[] is overwritten
    partial[lid] = value;
    barrier();
    for (uint stride = WG / 2; stride > 0; stride >>= 1) {
        if (lid < stride) partial[lid] += partial[lid + stride];
        barrier();
    }
    return partial[0];
}

void main() {
    uint h = gl_WorkGroupID.x;
    uint t = gl_WorkGroupID.y;
    uint lid = gl_LocalInvocationID.x;
    uint hs = C / NH;
    uint p = pos0 + t;
    float scale = inversesqrt(float(hs));
    uint q = t * 3 * C + h * hs;

    float localMax = -3.402823466e38;
    for (uint j = lid; j <= p; j += WG) {
        uint k = j * C + h * hs;
        float dot = 0.0;
        for (uint d = 0; d < hs; d++) dot += qkv[q + d] * kCache[k + d];
        weights[j] = dot * scale;
        localMax = max(localMax, dot * scale);
    }
    float maxScore = reduceMax(localMax);
    float localSum = 0.0;
    for (uint j = lid; j <= p; j += WG) {
        float e = exp(weights[j] - maxScore);
        weights[j] = e;
        localSum += e;
    }
    float invSum = 1.0 / reduceSum(localSum);  // the barriers inside also publish weights[] to every thread
    for (uint d = lid; d < hs; d += WG) {
        float acc = 0.0;
        for (uint j = 0; j <= p; j++) acc += weights[j] * vCache[j * C + h * hs + d];
        dst[t * C + h * hs + d] = acc * invSum;
    }
}
#endif
