// Draws filled rectangles and antialiased line segments as instanced quads, in pixel coordinates.
using System.Numerics;
using System.Runtime.InteropServices;
using Silk.NET.OpenGL;

namespace Playground.App.Window;

/// <summary>
/// Collects rectangles (panels, bars) and line segments (graphs) with the Fill/Draw methods and renders them
/// with one instanced draw call in <see cref="Flush"/>, in the order queued. Coordinates are framebuffer pixels
/// with the origin at the top left. Rectangles have hard edges (exact colours on whole-pixel coordinates);
/// lines are antialiased. Needs the GL context current; <see cref="Flush"/> enables alpha blending.
/// </summary>
public sealed class RectRenderer : IDisposable
{
    private readonly InstancedQuadBatch<QuadInstance> batch;

    /// <summary>Loads <c>ui/rect.vert</c> and <c>ui/rect.frag</c> from the shader root.</summary>
    /// <param name="shaderRoot">The directory holding <c>ui/</c>; null for <see cref="UiShaders.DefaultRoot"/>.</param>
    /// <exception cref="UiShaderException">The shaders are missing or do not compile.</exception>
    public RectRenderer(GL gl, string? shaderRoot = null)
    {
        ArgumentNullException.ThrowIfNull(gl);
        batch = new InstancedQuadBatch<QuadInstance>(
            gl,
            UiShaderProgram.Load(gl, shaderRoot, "rect.vert", "rect.frag"),
            [
                new(2, VertexAttribPointerType.Float, Normalized: false, Offset: 0),
                new(2, VertexAttribPointerType.Float, Normalized: false, Offset: 8),
                new(2, VertexAttribPointerType.Float, Normalized: false, Offset: 16),
                new(4, VertexAttribPointerType.UnsignedByte, Normalized: true, Offset: 24),
                new(1, VertexAttribPointerType.Float, Normalized: false, Offset: 28),
            ]);
    }

    /// <summary>Quads waiting for <see cref="Flush"/>.</summary>
    public int QueuedQuads => batch.Instances.Count;

    /// <summary>Queues a filled axis-aligned rectangle with its top-left corner at (x, y).</summary>
    public void FillRect(float x, float y, float width, float height, Rgba color)
    {
        if (width <= 0 || height <= 0)
        {
            return;
        }

        batch.Instances.Add(new QuadInstance(new Vector2(x, y), new Vector2(width, 0), new Vector2(0, height), color.Packed, 0));
    }

    /// <summary>Queues a filled rectangle.</summary>
    public void FillRect(PixelRect rect, Rgba color) => FillRect(rect.X, rect.Y, rect.Width, rect.Height, color);

    /// <summary>Queues a rectangle outline drawn inside the rectangle's bounds.</summary>
    public void StrokeRect(PixelRect rect, float thickness, Rgba color)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(thickness);
        FillRect(rect.X, rect.Y, rect.Width, thickness, color);
        FillRect(rect.X, rect.Bottom - thickness, rect.Width, thickness, color);
        FillRect(rect.X, rect.Y + thickness, thickness, rect.Height - (2 * thickness), color);
        FillRect(rect.Right - thickness, rect.Y + thickness, thickness, rect.Height - (2 * thickness), color);
    }

    /// <summary>Queues an antialiased segment <paramref name="thickness"/> pixels wide with square caps.</summary>
    public void DrawLine(Vector2 from, Vector2 to, float thickness, Rgba color)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(thickness);
        var along = to - from;
        var length = along.Length();
        // A zero-length segment still shows as a dot, pointing anywhere.
        var direction = length > 0 ? along / length : Vector2.UnitX;
        var across = new Vector2(-direction.Y, direction.X);
        var halfThickness = thickness / 2;
        var origin = from - (direction * halfThickness) - (across * halfThickness);
        batch.Instances.Add(new QuadInstance(origin, direction * (length + thickness), across * thickness, color.Packed, 1));
    }

    /// <summary>Queues segments through consecutive <paramref name="points"/>.</summary>
    public void DrawPolyline(ReadOnlySpan<Vector2> points, float thickness, Rgba color)
    {
        for (var i = 1; i < points.Length; i++)
        {
            DrawLine(points[i - 1], points[i], thickness, color);
        }
    }

    /// <summary>Draws and forgets the queued quads into the current framebuffer of the given size.</summary>
    public void Flush(int viewportWidth, int viewportHeight) => batch.Draw(viewportWidth, viewportHeight);

    public void Dispose() => batch.Dispose();

    // 32 bytes: origin corner, edge along U, edge along V (pixels), colour (4 bytes), feather (0 hard, 1 antialiased).
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct QuadInstance(Vector2 Origin, Vector2 AxisU, Vector2 AxisV, uint Color, float Feather);
}
