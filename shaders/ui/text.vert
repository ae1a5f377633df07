#version 430 core
// Text: one instance per glyph, a slot-sized quad copied from the glyph atlas, in pixel coordinates.

layout(location = 0) in vec2 aPosition; // top-left of the glyph's slot on screen, pixels
layout(location = 1) in vec2 aSlot;     // top-left of the glyph's slot in the atlas, texels
layout(location = 2) in vec4 aColor;

uniform mat4 uProjection; // pixels (origin top-left, y down) to clip space
uniform vec2 uSlotSize;   // slot size, pixels = texels
uniform vec2 uAtlasSize;  // atlas size, texels

out vec2 vTexCoord;
out vec4 vColor;

void main()
{
    // Four vertices as a triangle strip: (0,0) (1,0) (0,1) (1,1).
    vec2 corner = vec2(gl_VertexID & 1, gl_VertexID >> 1);
    vec2 offset = corner * uSlotSize;
    vTexCoord = (aSlot + offset) / uAtlasSize;
    vColor = aColor;
    gl_Position = uProjection * vec4(aPosition + offset, 0.0, 1.0);
}
