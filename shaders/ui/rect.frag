#version 430 core
// Filled quads: solid colour, with edges faded over about one pixel for antialiased instances.

in vec2 vLocal;
flat in vec2 vSize;
flat in float vFeather;
in vec4 vColor;

out vec4 fragColor;

void main()
{
    float coverage = 1.0;
    if (vFeather > 0.0)
    {
        // Distance inside the nearest edge along each axis (negative outside); a pixel centred on an edge is half covered.
        vec2 inside = min(vLocal, vSize - vLocal);
        vec2 edge = clamp(inside + 0.5, 0.0, 1.0);
        coverage = edge.x * edge.y;
    }

    fragColor = vec4(vColor.rgb, vColor.a * coverage);
}
