// The part the UI renderers share: a program drawing one screen-space quad per instance from a streamed buffer.
using System.Numerics;
using System.Runtime.InteropServices;
using Silk.NET.OpenGL;

namespace Playground.App.Window;

/// <summary>One per-instance vertex attribute: components, their type and byte offset in the instance struct.</summary>
internal readonly record struct InstanceAttribute(int Size, VertexAttribPointerType Type, bool Normalized, int Offset);

/// <summary>
/// Queued instances of <typeparamref name="TInstance"/>, drawn as 4-vertex triangle strips (the vertex shader
/// derives the corner from gl_VertexID) with attribute locations 0.. in the order given, a <c>uProjection</c>
/// uniform mapping top-left-origin pixels to clip space, and straight-alpha blending.
/// </summary>
internal sealed unsafe class InstancedQuadBatch<TInstance> : IDisposable
    where TInstance : unmanaged
{
    private readonly GL gl;
    private readonly uint vertexArray;
    private readonly uint instanceBuffer;
    private readonly int projectionLocation;
    private int bufferCapacity;

    public InstancedQuadBatch(GL gl, UiShaderProgram program, ReadOnlySpan<InstanceAttribute> attributes)
    {
        this.gl = gl;
        Program = program;
        projectionLocation = program.Uniform("uProjection");
        vertexArray = gl.GenVertexArray();
        instanceBuffer = gl.GenBuffer();
        gl.BindVertexArray(vertexArray);
        gl.BindBuffer(BufferTargetARB.ArrayBuffer, instanceBuffer);
        for (var location = 0u; location < attributes.Length; location++)
        {
            var attribute = attributes[(int)location];
            gl.EnableVertexAttribArray(location);
            gl.VertexAttribPointer(
                location, attribute.Size, attribute.Type, attribute.Normalized, (uint)sizeof(TInstance), (void*)attribute.Offset);
            gl.VertexAttribDivisor(location, 1);
        }

        gl.BindVertexArray(0);
    }

    public UiShaderProgram Program { get; }

    public List<TInstance> Instances { get; } = [];

    /// <summary>Draws the queued instances into a framebuffer of the given size and clears the queue.</summary>
    public void Draw(int viewportWidth, int viewportHeight)
    {
        if (Instances.Count == 0)
        {
            return;
        }

        gl.BindBuffer(BufferTargetARB.ArrayBuffer, instanceBuffer);
        if (Instances.Count > bufferCapacity)
        {
            bufferCapacity = Math.Max(Instances.Count, bufferCapacity * 2);
            gl.BufferData(
                BufferTargetARB.ArrayBuffer, (nuint)(bufferCapacity * sizeof(TInstance)), null, BufferUsageARB.StreamDraw);
        }

        gl.BufferSubData<TInstance>(BufferTargetARB.ArrayBuffer, 0, CollectionsMarshal.AsSpan(Instances));

        gl.UseProgram(Program.Handle);
        var projection = Matrix4x4.CreateOrthographicOffCenter(0, viewportWidth, viewportHeight, 0, -1, 1);
        gl.UniformMatrix4(projectionLocation, 1, false, (float*)&projection);
        gl.Enable(EnableCap.Blend);
        gl.BlendFunc(BlendingFactor.SrcAlpha, BlendingFactor.OneMinusSrcAlpha);
        gl.BindVertexArray(vertexArray);
        gl.DrawArraysInstanced(PrimitiveType.TriangleStrip, 0, 4, (uint)Instances.Count);
        gl.BindVertexArray(0);
        Instances.Clear();
    }

    public void Dispose()
    {
        gl.DeleteVertexArray(vertexArray);
        gl.DeleteBuffer(instanceBuffer);
        Program.Dispose();
    }
}
