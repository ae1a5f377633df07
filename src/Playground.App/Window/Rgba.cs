// An 8-bit-per-channel colour as the UI renderers take it.
namespace Playground.App.Window;

/// <summary>A straight (not premultiplied) sRGB colour with alpha.</summary>
public readonly record struct Rgba(byte R, byte G, byte B, byte A = 255)
{
    /// <summary>An opaque colour from 0xRRGGBB.</summary>
    public static Rgba FromHex(uint rgb) => new((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb);

    /// <summary>The same colour with alpha <paramref name="alpha"/> (0..1).</summary>
    public Rgba WithAlpha(float alpha) => this with { A = (byte)Math.Round(Math.Clamp(alpha, 0f, 1f) * 255) };

    /// <summary>R, G, B, A in ascending byte order, as a vertex attribute of four normalised bytes reads it.</summary>
    internal uint Packed => R | ((uint)G << 8) | ((uint)B << 16) | ((uint)A << 24);
}

/// <summary>An axis-aligned rectangle in framebuffer pixels, origin at the top left.</summary>
public readonly record struct PixelRect(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;

    public int Bottom => Y + Height;
}
