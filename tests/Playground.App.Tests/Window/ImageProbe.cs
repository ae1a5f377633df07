// Pixel measurements that screenshot tests make: is a region drawn on, and how many pixels have a given colour.
using Playground.App.Window;
using SkiaSharp;

namespace Playground.App.Tests.Window;

internal static class ImageProbe
{
    /// <summary>Variance of the luminance over <paramref name="region"/>: near 0 for a blank area, large where text was drawn.</summary>
    public static double LuminanceVariance(SKBitmap image, PixelRect region)
    {
        double sum = 0, sumOfSquares = 0;
        var count = 0;
        for (var y = region.Y; y < region.Bottom; y++)
        {
            for (var x = region.X; x < region.Right; x++)
            {
                var pixel = image.GetPixel(x, y);
                var luminance = (0.2126 * pixel.Red) + (0.7152 * pixel.Green) + (0.0722 * pixel.Blue);
                sum += luminance;
                sumOfSquares += luminance * luminance;
                count++;
            }
        }

        var mean = sum / count;
        return (sumOfSquares / count) - (mean * mean);
    }

    /// <summary>Pixels in <paramref name="region"/> whose RGB equals <paramref name="color"/> exactly.</summary>
    public static int CountExact(SKBitmap image, PixelRect region, Rgba color)
    {
        var count = 0;
        for (var y = region.Y; y < region.Bottom; y++)
        {
            for (var x = region.X; x < region.Right; x++)
            {
                var pixel = image.GetPixel(x, y);
                if (pixel.Red == color.R && pixel.Green == color.G && pixel.Blue == color.B)
                {
                    count++;
                }
            }
        }

        return count;
    }
}
