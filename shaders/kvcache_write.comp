// kvcache_write.comp: mirrors KvCacheWrite: copies the k and v thirds of qkv (T,3C) into the caches at rows pos0...
#version 430
#include "common.glsl"

#ifndef WG
#define WG 256
#endif
layout(local_size_x = WG) in;

layout(std430, binding = BINDING_DST) writeonly buffer KCache { float kCache[]; };  // (maxT,C)
layout(std430, binding = BINDING_SRC) writeonly buffer VCache { float vCache[]; };  // (maxT,C)
layout(std430, binding = BINDING_SRC2) readonly buffer Qkv { float qkv[]; };        // (T,3C)

void main() {
    GRID_STRIDE_LOOP(i, T * C) {
        uint t = i / C;
        uint c = i - t * C;
        kCache[(pos0 + t) * C + c] = qkv[t * 3 * C + C + c];
        vCache[(pos0 + t) * C + c] = qkv[t * 3 * C + 2 * C + c];
    }
}
