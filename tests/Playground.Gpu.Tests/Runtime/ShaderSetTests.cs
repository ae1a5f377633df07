// Every shader in the repository's shaders/ compiles in both variants, and the parameter block matches its C# twin.
using System.Runtime.InteropServices;
using Playground.Gpu.Runtime;
using Silk.NET.OpenGL;

namespace Playground.Gpu.Tests.Runtime;

public sealed class ShaderSetTests
{
    [Theory]
    [InlineData(KernelVariant.Fast)]
    [InlineData(KernelVariant.Naive)]
    public void All_programs_compile_and_link(KernelVariant variant)
    {
        using var gpu = new HeadlessGpu();
        using var set = new ShaderSet(gpu.Device.Gl, ShaderLocator.Resolve(null), variant, maxPositions: 64);
        Assert.NotEmpty(set.Programs);
        Assert.All(set.Programs, p => Assert.NotEqual(0u, p.Handle));
    }

    [Fact]
    public void OpParams_block_matches_the_csharp_struct_in_every_program()
    {
        using var gpu = new HeadlessGpu();
        GL gl = gpu.Device.Gl;
        using var set = new ShaderSet(gl, ShaderLocator.Resolve(null), KernelVariant.Fast, maxPositions: 64);
        var fields = typeof(OpParams).GetFields();
        foreach (var program in set.Programs)
        {
            uint block = gl.GetProgramResourceIndex(program.Handle, ProgramInterface.UniformBlock, "OpParams");
            Assert.NotEqual(uint.MaxValue, block);
            int blockBytes = Property(gl, program.Handle, ProgramInterface.UniformBlock, block, ProgramResourceProperty.BufferDataSize);
            Assert.True(blockBytes <= Marshal.SizeOf<OpParams>(), $"{program.Name}: block is {blockBytes} bytes, struct {Marshal.SizeOf<OpParams>()}");
            int members = 0;
            foreach (var field in fields)
            {
                uint index = gl.GetProgramResourceIndex(program.Handle, ProgramInterface.Uniform, field.Name);
                Assert.True(index != uint.MaxValue, $"{program.Name}: OpParams.{field.Name} has no GLSL member");
                int offset = Property(gl, program.Handle, ProgramInterface.Uniform, index, ProgramResourceProperty.Offset);
                Assert.Equal((int)Marshal.OffsetOf<OpParams>(field.Name), offset);
                members++;
            }
            int glslMembers = Property(gl, program.Handle, ProgramInterface.UniformBlock, block, ProgramResourceProperty.NumActiveVariables);
            Assert.Equal(glslMembers, members);
        }
    }

    private static int Property(GL gl, uint program, ProgramInterface kind, uint index, ProgramResourceProperty property)
    {
        gl.GetProgramResource(program, kind, index, 1, ref property, 1, out uint _, out int value);
        return value;
    }
}
