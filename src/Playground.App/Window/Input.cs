// Keyboard input as the window reports it: a small key set, modifier flags and the press event.
namespace Playground.App.Window;

/// <summary>The keys the application reacts to; everything else arrives as <see cref="Unknown"/>.</summary>
public enum Key
{
    Unknown = 0,
    Space,
    Enter,
    Backspace,
    Delete,
    Tab,
    Escape,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S, T, U, V, W, X, Y, Z,
    D0, D1, D2, D3, D4, D5, D6, D7, D8, D9,
    F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12,
}

/// <summary>Modifier keys held during a key press (GLFW's bit values).</summary>
[Flags]
public enum KeyModifiers
{
    None = 0,
    Shift = 0x1,
    Control = 0x2,
    Alt = 0x4,
    Super = 0x8,
}

/// <summary>A key went down, or auto-repeated while held (<paramref name="IsRepeat"/>).</summary>
public readonly record struct KeyEvent(Key Key, KeyModifiers Modifiers, bool IsRepeat);

/// <summary>Maps GLFW key codes (US-layout key names, https://www.glfw.org/docs/3.3/group__keys.html) to <see cref="Key"/>.</summary>
internal static class GlfwKeys
{
    private const int GlfwKeySpace = 32;
    private const int GlfwKey0 = 48;
    private const int GlfwKey9 = 57;
    private const int GlfwKeyA = 65;
    private const int GlfwKeyZ = 90;
    private const int GlfwKeyF1 = 290;
    private const int GlfwKeyF12 = 301;

    public static Key ToKey(int glfwKey) => glfwKey switch
    {
        GlfwKeySpace => Key.Space,
        >= GlfwKey0 and <= GlfwKey9 => Key.D0 + (glfwKey - GlfwKey0),
        >= GlfwKeyA and <= GlfwKeyZ => Key.A + (glfwKey - GlfwKeyA),
        >= GlfwKeyF1 and <= GlfwKeyF12 => Key.F1 + (glfwKey - GlfwKeyF1),
        256 => Key.Escape,
        257 or 335 => Key.Enter, // 335: keypad Enter behaves like Enter.
        258 => Key.Tab,
        259 => Key.Backspace,
        261 => Key.Delete,
        262 => Key.Right,
        263 => Key.Left,
        264 => Key.Down,
        265 => Key.Up,
        266 => Key.PageUp,
        267 => Key.PageDown,
        268 => Key.Home,
        269 => Key.End,
        _ => Key.Unknown,
    };

    public static KeyModifiers ToModifiers(int glfwMods) =>
        (KeyModifiers)glfwMods & (KeyModifiers.Shift | KeyModifiers.Control | KeyModifiers.Alt | KeyModifiers.Super);
}
