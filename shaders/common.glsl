// common.glsl: the parameter block and helpers shared by every compute shader (included, never compiled alone).
//
// One std140 block serves all ops so that a single C# struct (OpParams.cs) mirrors it; a test checks the two
// against each other through program introspection. Offsets (in elements) let a pass read a sub-range of a
// buffer that was bound at an aligned byte offset: tensors larger than GL_MAX_SHADER_STORAGE_BLOCK_SIZE (GPT-2's
// wte) are split into bound ranges, and the part of a range's start below the binding alignment lands here.
layout(std140, binding = 0) uniform OpParams {
    uint T;            // rows (tokens) in this pass
    uint C;            // input channels, or element count for elementwise ops
    uint OC;           // output channels
    uint NH;           // attention heads
    uint pos0;         // absolute position of row 0 in the sequence
    uint maxT;         // KV cache capacity in rows (n_positions)
    uint inOffset;     // first element of the input in its bound range
    uint weightOffset; // first element of the weight in its bound range
    uint outOffset;    // first element of the output in its bound range
    uint outStride;    // elements between output rows
    uint tokenBase;    // first vocabulary row held by the bound wte range
    uint tokenCount;   // number of vocabulary rows in the bound wte range
    float eps;         // layernorm epsilon
};

// Storage bindings: every pass writes binding 0 and reads 1 and up, so a pass's signature reads like its CPU twin.
#define BINDING_DST 0
#define BINDING_SRC 1
#define BINDING_SRC2 2
#define BINDING_SRC3 3
#define BINDING_SRC4 4

// Elementwise passes loop with a grid stride, so that any length fits the dispatch limit of 65535 groups.
#define GRID_STRIDE_LOOP(i, n) for (uint i = gl_GlobalInvocationID.x; i < (n); i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)
