// One method per op, each dispatching its compute shader with the same arguments as its CPU reference twin.
using System.Runtime.InteropServices;
using Playground.Gpu.Gl;
using Silk.NET.OpenGL;

namespace Playground.Gpu.Runtime;

/// <summary>
/// GPU twins of the CPU reference ops. Each method fills an OpParams slot in a uniform ring, binds storage and
/// dispatches; a storage barrier follows every dispatch so the next pass sees the results. Nothing is read back.
/// </summary>
public sealed class GpuKernels : IDisposable
{
    private const int RingSlots = 1024;
    private const int MatvecMaxRows = 4;

    private readonly GL _gl;
    private readonly GlDevice _device;
    private readonly uint _paramRing;
    private readonly int _slotBytes;
    private int _nextSlot;

    private readonly bool _ownsShaders;

    /// <param name="ownsShaders">False when another GpuKernels shares <paramref name="shaders"/> and disposes them.</param>
    public GpuKernels(GlDevice device, ShaderSet shaders, long? storageBlockLimit = null, bool ownsShaders = true)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
        _ownsShaders = ownsShaders;
        _gl = device.Gl;
        Shaders = shaders;
        StorageBlockLimit = Math.Min(storageBlockLimit ?? long.MaxValue, device.MaxStorageBlockBytes);
        int align = Math.Max(device.UniformOffsetAlignment, 16);
        _slotBytes = (Marshal.SizeOf<OpParams>() + align - 1) / align * align;
        _paramRing = _gl.GenBuffer();
        _gl.BindBuffer(BufferTargetARB.UniformBuffer, _paramRing);
        unsafe { _gl.BufferData(BufferTargetARB.UniformBuffer, (nuint)(_slotBytes * RingSlots), null, BufferUsageARB.DynamicDraw); }
    }

    public GlDevice Device => _device;

    /// <summary>The programs in use; swapped as a whole by <see cref="SwapShaders"/>.</summary>
    public ShaderSet Shaders { get; private set; }

    /// <summary>Largest byte range bound to one storage block: the driver's limit, or lower when a test sets one.</summary>
    public long StorageBlockLimit { get; }

    /// <summary>Puts a new program set in place and returns the old one for the caller to dispose.</summary>
    public ShaderSet SwapShaders(ShaderSet next)
    {
        ShaderSet old = Shaders;
        Shaders = next;
        return old;
    }

    // dst (T,C), tokens (T), wte (V,C), wpe (maxT,C). wte is bound in ranges that fit the storage block limit.
    public void EncoderForward(GlBuffer dst, GlBuffer tokens, GlBuffer wte, GlBuffer wpe, int pos0, int T, int C, int V)
    {
        ComputeProgram program = Shaders.Encoder;
        foreach (var chunk in RowChunks(V, C))
        {
            var p = new OpParams { T = (uint)T, C = (uint)C, pos0 = (uint)pos0, tokenBase = (uint)chunk.FirstRow, tokenCount = (uint)chunk.Rows };
            BindWhole(0, dst);
            BindWhole(1, tokens);
            p.weightOffset = BindRange(2, wte, (long)chunk.FirstRow * C * 4, (long)chunk.Rows * C * 4);
            BindWhole(3, wpe);
            Dispatch(program, p, Elementwise(program, (long)T * C), 1);
        }
    }

    // dst (T,C), src (T,C) from row srcRow, weight (C), bias (C)
    public void LayerNormForward(GlBuffer dst, GlBuffer src, GlBuffer weight, GlBuffer bias, int T, int C, float eps, int srcRow = 0)
    {
        ComputeProgram program = Shaders.LayerNorm;
        var p = new OpParams { T = (uint)T, C = (uint)C, eps = eps, inOffset = (uint)(srcRow * C) };
        BindWhole(0, dst);
        BindWhole(1, src);
        BindWhole(2, weight);
        BindWhole(3, bias);
        uint groups = Shaders.Variant == KernelVariant.Naive ? (uint)((T + program.WorkGroupSizeX - 1) / program.WorkGroupSizeX) : (uint)T;
        Dispatch(program, p, groups, 1);
    }

    // dst (T,OC) with row stride dstStride from column dstColumn, src (T,C) from row srcRow, weight (OC,C), bias (OC) or null.
    public void MatmulForward(GlBuffer dst, GlBuffer src, GlBuffer weight, GlBuffer? bias, int T, int C, int OC,
        int srcRow = 0, int dstStride = -1, int dstColumn = 0, long weightRow = 0)
    {
        bool matvec = Shaders.Variant == KernelVariant.Fast && T <= MatvecMaxRows;
        var p = new OpParams
        {
            T = (uint)T, C = (uint)C, OC = (uint)OC,
            inOffset = (uint)(srcRow * C), outOffset = (uint)dstColumn, outStride = (uint)(dstStride < 0 ? OC : dstStride),
        };
        BindWhole(0, dst);
        BindWhole(1, src);
        p.weightOffset = BindRange(2, weight, weightRow * C * 4, (long)OC * C * 4);
        if (bias is not null) BindWhole(3, bias);
        bool vec4 = C % 4 == 0 && p.inOffset % 4 == 0 && p.weightOffset % 4 == 0;
        ComputeProgram program = (bias is null, matvec, vec4) switch
        {
            (false, true, true) => Shaders.MatvecBias4,
            (true, true, true) => Shaders.Matvec4,
            (false, true, false) => Shaders.MatvecBias,
            (true, true, false) => Shaders.Matvec,
            (false, false, _) => Shaders.MatmulBias,
            (true, false, _) => Shaders.Matmul,
        };
        if (Shaders.Variant == KernelVariant.Naive) Dispatch(program, p, (uint)((OC + 63) / 64), (uint)T);
        else if (matvec)
        {
            // A MATVEC workgroup covers WG / LANES output channels.
            int rowsPerGroup = program.WorkGroupSizeX / ShaderSet.MatvecLanes;
            int groups = (OC + rowsPerGroup - 1) / rowsPerGroup;
            uint x = (uint)Math.Min(groups, _device.MaxWorkGroupCount);
            Dispatch(program, p, x, (uint)((groups + x - 1) / x));
        }
        else Dispatch(program, p, (uint)((OC + 63) / 64), (uint)((T + 63) / 64));
    }

    /// <summary>
    /// The lm_head: logits (T,V) = src (T,C) . weight (V,C)^T, with weight (wte) split into row ranges that fit the
    /// storage block limit. Each range writes its columns of dst.
    /// </summary>
    public void LmHeadForward(GlBuffer dst, GlBuffer src, GlBuffer weight, int T, int C, int V, int srcRow = 0)
    {
        foreach (var chunk in RowChunks(V, C))
            MatmulForward(dst, src, weight, null, T, C, chunk.Rows, srcRow, dstStride: V, dstColumn: chunk.FirstRow, weightRow: chunk.FirstRow);
    }

    // kCache, vCache (maxT,C) rows pos0..pos0+T-1 = the k and v parts of qkv (T,3C)
    public void KvCacheWrite(GlBuffer kCache, GlBuffer vCache, GlBuffer qkv, int pos0, int T, int C)
    {
        ComputeProgram program = Shaders.KvCacheWrite;
        var p = new OpParams { T = (uint)T, C = (uint)C, pos0 = (uint)pos0 };
        BindWhole(0, kCache);
        BindWhole(1, vCache);
        BindWhole(2, qkv);
        Dispatch(program, p, Elementwise(program, (long)T * C), 1);
    }

    // dst (T,C), qkv (T,3C), kCache/vCache (maxT,C); scratch (T,NH,maxT) is used by the naive variant only.
    public void AttentionForward(GlBuffer dst, GlBuffer qkv, GlBuffer kCache, GlBuffer vCache, GlBuffer scratch, int pos0, int T, int C, int NH, int maxT)
    {
        // Past MAX_T the fast kernel would write its shared score array out of bounds and return garbage, not fail.
        if (pos0 + T > Shaders.MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(T), $"attention up to position {pos0 + T} needs a shader set compiled for that many positions; this one has MAX_T={Shaders.MaxPositions}");
        ComputeProgram program = Shaders.Attention;
        var p = new OpParams { T = (uint)T, C = (uint)C, NH = (uint)NH, pos0 = (uint)pos0, maxT = (uint)maxT };
        BindWhole(0, dst);
        BindWhole(1, qkv);
        BindWhole(2, kCache);
        BindWhole(3, vCache);
        if (Shaders.Variant == KernelVariant.Naive)
        {
            BindWhole(4, scratch);
            Dispatch(program, p, (uint)((T + program.WorkGroupSizeX - 1) / program.WorkGroupSizeX), (uint)NH);
        }
        else Dispatch(program, p, (uint)NH, (uint)T);
    }

    // dst, src (N)
    public void GeluForward(GlBuffer dst, GlBuffer src, int N)
    {
        ComputeProgram program = Shaders.Gelu;
        BindWhole(0, dst);
        BindWhole(1, src);
        Dispatch(program, new OpParams { C = (uint)N }, Elementwise(program, N), 1);
    }

    // dst, a, b (N)
    public void ResidualForward(GlBuffer dst, GlBuffer a, GlBuffer b, int N)
    {
        ComputeProgram program = Shaders.Residual;
        BindWhole(0, dst);
        BindWhole(1, a);
        BindWhole(2, b);
        Dispatch(program, new OpParams { C = (uint)N }, Elementwise(program, N), 1);
    }

    /// <summary>Row ranges of a (rows, C) float matrix that each fit the storage block limit, with aligned starts.</summary>
    public IEnumerable<(int FirstRow, int Rows)> RowChunks(int rows, int C)
    {
        long rowBytes = (long)C * 4;
        // A range starts up to one alignment below its first row, so leave that much headroom.
        long usable = StorageBlockLimit - _device.StorageOffsetAlignment;
        int perChunk = (int)Math.Clamp(usable / rowBytes, 1, rows);
        if (usable < rowBytes)
            throw new InvalidOperationException($"one row of {rowBytes} bytes does not fit the storage block limit of {StorageBlockLimit} bytes");
        for (int first = 0; first < rows; first += perChunk) yield return (first, Math.Min(perChunk, rows - first));
    }

    private uint Elementwise(ComputeProgram program, long n) =>
        (uint)Math.Clamp((n + program.WorkGroupSizeX - 1) / program.WorkGroupSizeX, 1, _device.MaxWorkGroupCount);

    private void BindWhole(uint binding, GlBuffer buffer)
    {
        if (buffer.Bytes > _device.MaxStorageBlockBytes)
            throw new InvalidOperationException($"{buffer.Label} ({buffer.Bytes} bytes) exceeds GL_MAX_SHADER_STORAGE_BLOCK_SIZE ({_device.MaxStorageBlockBytes}) and is not split");
        _gl.BindBufferBase(BufferTargetARB.ShaderStorageBuffer, binding, buffer.Handle);
    }

    /// <summary>Binds [byteOffset, byteOffset+bytes) rounded down to the offset alignment; returns the element offset left over.</summary>
    private uint BindRange(uint binding, GlBuffer buffer, long byteOffset, long bytes)
    {
        long aligned = byteOffset / _device.StorageOffsetAlignment * _device.StorageOffsetAlignment;
        long size = Math.Min(byteOffset - aligned + bytes, buffer.Bytes - aligned);
        _gl.BindBufferRange(BufferTargetARB.ShaderStorageBuffer, binding, buffer.Handle, (nint)aligned, (nuint)size);
        return (uint)((byteOffset - aligned) / 4);
    }

    private void Dispatch(ComputeProgram program, OpParams p, uint groupsX, uint groupsY)
    {
        int slot = _nextSlot;
        _nextSlot = (_nextSlot + 1) % RingSlots;
        _gl.BindBuffer(BufferTargetARB.UniformBuffer, _paramRing);
        _gl.BufferSubData(BufferTargetARB.UniformBuffer, slot * _slotBytes, (nuint)Marshal.SizeOf<OpParams>(), in p);
        _gl.BindBufferRange(BufferTargetARB.UniformBuffer, 0, _paramRing, slot * _slotBytes, (nuint)Marshal.SizeOf<OpParams>());
        program.Use();
        _gl.DispatchCompute(groupsX, groupsY, 1);
        _gl.MemoryBarrier(MemoryBarrierMask.ShaderStorageBarrierBit | MemoryBarrierMask.BufferUpdateBarrierBit);
    }

    public void Dispose()
    {
        _gl.DeleteBuffer(_paramRing);
        if (_ownsShaders) Shaders.Dispose();
    }
}
