// The GLFW key code to Key mapping, against the codes listed in glfw3.h.
using Playground.App.Window;

namespace Playground.App.Tests.Window;

public sealed class GlfwKeysTests
{
    public static TheoryData<int, Key> KeyCodes => new()
    {
        { 32, Key.Space },
        { 48, Key.D0 },
        { 57, Key.D9 },
        { 65, Key.A },
        { 82, Key.R },
        { 90, Key.Z },
        { 256, Key.Escape },
        { 257, Key.Enter },
        { 258, Key.Tab },
        { 259, Key.Backspace },
        { 261, Key.Delete },
        { 262, Key.Right },
        { 263, Key.Left },
        { 264, Key.Down },
        { 265, Key.Up },
        { 266, Key.PageUp },
        { 267, Key.PageDown },
        { 268, Key.Home },
        { 269, Key.End },
        { 290, Key.F1 },
        { 294, Key.F5 },
        { 301, Key.F12 },
        { 335, Key.Enter },
        { 39, Key.Unknown },
        { 340, Key.Unknown },
        { -1, Key.Unknown },
    };

    [Theory]
    [MemberData(nameof(KeyCodes))]
    public void Glfw_key_code_maps_to_key(int glfwKey, Key expected) => Assert.Equal(expected, GlfwKeys.ToKey(glfwKey));

    [Fact]
    public void Modifier_bits_map_and_lock_bits_are_dropped()
    {
        // glfw3.h: SHIFT 0x1, CONTROL 0x2, ALT 0x4, SUPER 0x8, CAPS_LOCK 0x10, NUM_LOCK 0x20.
        Assert.Equal(KeyModifiers.Shift | KeyModifiers.Alt, GlfwKeys.ToModifiers(0x1 | 0x4 | 0x10 | 0x20));
        Assert.Equal(KeyModifiers.Control | KeyModifiers.Super, GlfwKeys.ToModifiers(0x2 | 0x8));
    }
}
