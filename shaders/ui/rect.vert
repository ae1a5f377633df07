#version 430 core
// Filled quads: one instance per rectangle or line segment, spanned by two edge vectors from an origin corner.
// Antialiased instances are grown by aFeather pixels on every side so the fragment shader can fade the edges.

layout(location = 0) in vec2 aOrigin; // a corner, pixels
layout(location = 1) in vec2 aAxisU;  // edge from the origin along the quad's length, pixels
layout(location = 2) in vec2 aAxisV;  // edge from the origin across the quad, pixels
layout(location = 3) in vec4 aColor;
layout(location = 4) in float aFeather; // 0: hard edges (pixel-aligned rectangles), 1: antialiased

uniform mat4 uProjection; // pixels (origin top-left, y down) to clip space

out vec2 vLocal;            // position in the quad's own frame, pixels from the origin along U and V
flat out vec2 vSize;        // the quad's extent along U and V, pixels
flat out float vFeather;
out vec4 vColor;

void main()
{
    // Four vertices as a triangle strip: (0,0) (1,0) (0,1) (1,1).
    vec2 corner = vec2(gl_VertexID & 1, gl_VertexID >> 1);
    vec2 size = vec2(length(aAxisU), length(aAxisV));
    vec2 directionU = size.x > 0.0 ? aAxisU / size.x : vec2(0.0);
    vec2 directionV = size.y > 0.0 ? aAxisV / size.y : vec2(0.0);
    vec2 local = corner * (size + 2.0 * aFeather) - aFeather;

    vLocal = local;
    vSize = size;
    vFeather = aFeather;
    vColor = aColor;
    gl_Position = uProjection * vec4(aOrigin + directionU * local.x + directionV * local.y, 0.0, 1.0);
}
