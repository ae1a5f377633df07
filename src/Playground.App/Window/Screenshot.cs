// Reads the window's framebuffer back and saves it as a PNG.
using Silk.NET.OpenGL;
using SkiaSharp;

namespace Playground.App.Window;

/// <summary>Captures what was rendered, for tests and for `--screenshot`-style output.</summary>
public static class Screenshot
{
    /// <summary>
    /// Copies the default framebuffer's back buffer (call after drawing, before SwapBuffers) into an opaque
    /// bitmap, top row first. The caller disposes the bitmap.
    /// </summary>
    public static unsafe SKBitmap Capture(GL gl, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(gl);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);

        var rowBytes = width * 4;
        var bottomUp = new byte[rowBytes * height];
        gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, 0);
        gl.ReadBuffer(ReadBufferMode.Back);
        gl.PixelStore(PixelStoreParameter.PackAlignment, 4);
        fixed (byte* destination = bottomUp)
        {
            gl.ReadPixels(0, 0, (uint)width, (uint)height, PixelFormat.Rgba, PixelType.UnsignedByte, destination);
        }

        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var topDown = bitmap.GetPixelSpan();
        for (var y = 0; y < height; y++)
        {
            // GL's rows start at the bottom; images start at the top.
            var row = topDown.Slice(y * bitmap.RowBytes, rowBytes);
            bottomUp.AsSpan((height - 1 - y) * rowBytes, rowBytes).CopyTo(row);

            // Blending leaves partial alpha in the window's buffer, which the screen ignores; so does the PNG.
            for (var alpha = 3; alpha < rowBytes; alpha += 4)
            {
                row[alpha] = 255;
            }
        }

        return bitmap;
    }

    /// <summary>Writes <paramref name="bitmap"/> to <paramref name="path"/> as PNG, creating the directory.</summary>
    public static void SavePng(SKBitmap bitmap, string path)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    /// <summary><see cref="Capture"/> then <see cref="SavePng"/>.</summary>
    public static void SavePng(GL gl, int width, int height, string path)
    {
        using var bitmap = Capture(gl, width, height);
        SavePng(bitmap, path);
    }
}
