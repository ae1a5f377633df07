// residual.comp: mirrors ResidualForward: dst = a + b, elementwise over C values.
#version 430
#include "common.glsl"

#ifndef WG
#define WG 256
#endif
layout(local_size_x = WG) in;

layout(std430, binding = BINDING_DST) writeonly buffer Dst { float dst[]; };
layout(std430, binding = BINDING_SRC) readonly buffer A { float a[]; };
layout(std430, binding = BINDING_SRC2) readonly buffer B { float b[]; };

void main() {
    GRID_STRIDE_LOOP(i, C) dst[i] = a[i] + b[i];
}
