// Every op's shader against its CPU reference function, over the table of shapes, in both kernel variants.
using Playground.Gpu.Runtime;
using Playground.Gpu.Verification;
using Xunit.Abstractions;

namespace Playground.Gpu.Tests.Verification;

public sealed class OpParityTests(ITestOutputHelper output)
{
    public static TheoryData<string, KernelVariant> Cases()
    {
        var data = new TheoryData<string, KernelVariant>();
        foreach (OpCase c in OpParityCases.Standard())
        {
            data.Add(c.Name, KernelVariant.Fast);
            data.Add(c.Name, KernelVariant.Naive);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Shader_matches_cpu_reference(string opCase, KernelVariant variant)
    {
        OpCase c = OpParityCases.Standard().Single(x => x.Name == opCase);
        using var gpu = new HeadlessGpu();
        using var kernels = new GpuKernels(gpu.Device, new ShaderSet(gpu.Device.Gl, ShaderLocator.Resolve(null), variant, maxPositions: OpParityCases.StandardMaxPositions));
        var result = c.Run(c, kernels);
        output.WriteLine(result.ToString());
        Assert.True(result.Pass, result.ToString());
    }

    [Theory]
    [InlineData(KernelVariant.Fast)]
    [InlineData(KernelVariant.Naive)]
    public void Attention_past_the_positions_a_set_was_compiled_for_is_refused(KernelVariant variant)
    {
        // The fast kernel keeps MAX_T scores in shared memory; beyond that it would silently return garbage.
        using var gpu = new HeadlessGpu();
        using var kernels = new GpuKernels(gpu.Device, new ShaderSet(gpu.Device.Gl, ShaderLocator.Resolve(null), variant, maxPositions: 8));
        OpCase c = OpParityCases.Attention(T: 2, C: 48, NH: 3, pos0: 7, maxT: 16, scale: 1f);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => c.Run(c, kernels));
        Assert.Contains("MAX_T=8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_shader_fails_the_check_and_reports_mismatches()
    {
        using var gpu = new HeadlessGpu();
        using var folder = new TempShaderFolder();
        folder.Edit("residual.comp", "dst[i] = a[i] + b[i];", "dst[i] = a[i] - b[i];");
        using var kernels = new GpuKernels(gpu.Device, new ShaderSet(gpu.Device.Gl, folder.Path, KernelVariant.Fast, maxPositions: 16));
        OpCase c = OpParityCases.Residual(48);
        var result = c.Run(c, kernels);
        Assert.False(result.Pass);
        Assert.NotEmpty(result.FirstMismatches);
        Assert.Contains("expected", result.ToString());
    }
}
