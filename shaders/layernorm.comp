// layernorm.comp: mirrors LayerNormForward: dst (T,C) = (x - mean) / sqrt(var + eps) * weight + bias, per row.
#version 430
#include "common.glsl"

#ifndef WG
#define WG 128
#endif
layout(local_size_x = WG) in;

layout(std430, binding = BINDING_DST) writeonly buffer Dst { float dst[]; };
layout(std430, binding = BINDING_SRC) readonly buffer Src { float src[]; };      // (T,C)
layout(std430, binding = BINDING_SRC2) readonly buffer Weight { float weight[]; }; // (C)
layout(std430, binding = BINDING_SRC3) readonly buffer Bias { float bias[]; };     // (C)

#ifdef NAIVE
// Reference variant: one invocation per row, the same two passes as the CPU.
void main() {
    uint t = gl_GlobalInvocationID.x;
    if (t >= T) return;
    uint row = inOffset + t * C;
    float mean = 0.0;
    for (uint c = 0; c < C; c++) mean += src[row + c];
    mean /= float(C);
    float variance = 0.0;
    for (uint c = 0; c < C; c++) { float d = src[row + c] - mean; variance += d * d; }
    variance /= float(C);
    float rstd = inversesqrt(variance + eps);
    for (uint c = 0; c < C; c++) dst[outOffset + t * C + c] = (src[row + c] - mean) * rstd * weight[c] + bias[c];
}
#else
// One workgroup per row; the sums are reduced in shared memory.
shared float partial[WG];

// The tree sum of every thread's value, returned to all threads.
float workgroupSum(float value) {
    uint lid = gl_LocalInvocationID.x;
    // Wait until every thread has read the previous result before partial[] is overwritten.
    barrier();
    partial[lid] = value;
    barrier();
    for (uint stride = WG / 2; stride > 0; stride >>= 1) {
        if (lid < stride) partial[lid] += partial[lid + stride];
        barrier();
    }
    return partial[0];
}

void main() {
    uint t = gl_WorkGroupID.x;
    uint lid = gl_LocalInvocationID.x;
    uint row = inOffset + t * C;
    float sum = 0.0;
    for (uint c = lid; c < C; c += WG) sum += src[row + c];
    float mean = workgroupSum(sum) / float(C);
    float squares = 0.0;
    for (uint c = lid; c < C; c += WG) { float d = src[row + c] - mean; squares += d * d; }
    float rstd = inversesqrt(workgroupSum(squares) / float(C) + eps);
    for (uint c = lid; c < C; c += WG) dst[outOffset + t * C + c] = (src[row + c] - mean) * rstd * weight[c] + bias[c];
}
#endif
