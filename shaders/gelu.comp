// gelu.comp: mirrors GeluForward: gelu_new, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), elementwise over C values.
#version 430
#include "common.glsl"

#ifndef WG
#define WG 256
#endif
layout(local_size_x = WG) in;

layout(std430, binding = BINDING_DST) writeonly buffer Dst { float dst[]; };
layout(std430, binding = BINDING_SRC) readonly buffer Src { float src[]; };

const float SQRT_2_OVER_PI = 0.7978845608028654;

void main() {
    GRID_STRIDE_LOOP(i, C) {
        float x = src[i];
        // Some drivers compute tanh as a ratio of exponentials that overflows to NaN for large arguments.
        // tanh(15) already rounds to 1.0 in float32, so the clamp changes no result.
        float u = clamp(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x), -15.0, 15.0);
        dst[i] = 0.5 * x * (1.0 + tanh(u));
    }
}
