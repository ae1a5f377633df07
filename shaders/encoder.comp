// encoder.comp: mirrors EncoderForward: dst (T,C) = wte[token] + wpe[pos0 + t].
#version 430
#include "common.glsl"

#ifndef WG
#define WG 256
#endif
layout(local_size_x = WG) in;

layout(std430, binding = BINDING_DST) writeonly buffer Dst { float dst[]; };
layout(std430, binding = BINDING_SRC) readonly buffer Tokens { int tokens[]; };
layout(std430, binding = BINDING_SRC2) readonly buffer Wte { float wte[]; };   // rows tokenBase.. of (V,C)
layout(std430, binding = BINDING_SRC3) readonly buffer Wpe { float wpe[]; };   // (maxT,C)

void main() {
    // wte may be split into several bound ranges; each dispatch writes only the rows whose token it holds.
    GRID_STRIDE_LOOP(i, T * C) {
        uint t = i / C;
        uint c = i - t * C;
        uint token = uint(tokens[t]);
        if (token < tokenBase || token >= tokenBase + tokenCount) continue;
        dst[i] = wte[weightOffset + (token - tokenBase) * C + c] + wpe[(pos0 + t) * C + c];
    }
}
