#version 430 core
// Text: the atlas holds coverage only; the instance colour supplies the rest.

in vec2 vTexCoord;
in vec4 vColor;

uniform sampler2D uAtlas;

out vec4 fragColor;

void main()
{
    float coverage = texture(uAtlas, vTexCoord).r;
    fragColor = vec4(vColor.rgb, vColor.a * coverage);
}
