// The C# twin of the OpParams uniform block in shaders/common.glsl (std140); a test checks the two agree.
using System.Runtime.InteropServices;

namespace Playground.Gpu.Runtime;

/// <summary>Per-dispatch parameters. Field names and order match common.glsl; std140 packs these scalars at 4-byte steps.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
public struct OpParams
{
    public uint T;
    public uint C;
    public uint OC;
    public uint NH;
    public uint pos0;
    public uint maxT;
    public uint inOffset;
    public uint weightOffset;
    public uint outOffset;
    public uint outStride;
    public uint tokenBase;
    public uint tokenCount;
    public float eps;
}
