# ZFM (R307 / R503 / AS608 family) protocol numbers and the driver's exceptions.
#
# One table of confirmation codes, named after the datasheets (R307 user manual v1.2,
# R503 user manual v1.1, AS608 datasheet), so that every failure the sensor can report
# reaches the app as a named, explainable error instead of a bare number.
try:
    from micropython import const
except ImportError:  # CPython
    def const(x):
        return x

# Packet identifiers (PID)
PID_COMMAND = const(0x01)
PID_DATA = const(0x02)
PID_ACK = const(0x07)
PID_END = const(0x08)

# Instruction codes the driver sends. The simulator also implements Match 0x03, Search 0x04,
# RegModel 0x05, Store 0x06, LoadChar 0x07, DownChar 0x09, DownImage 0x0B, DeleteChar 0x0C,
# Empty 0x0D, HighSpeedSearch 0x1B, ReadIndexTable 0x1F, GetImageEx 0x28, SoftReset 0x3D;
# they get no names here because every name costs heap on a 100 KB card.
CMD_GET_IMAGE = const(0x01)  # GenImg: capture into the image buffer
CMD_IMG2TZ = const(0x02)  # Img2Tz: image buffer -> char buffer 1/2
CMD_UP_CHAR = const(0x08)
CMD_UP_IMAGE = const(0x0A)
CMD_SET_SYS_PARA = const(0x0E)
CMD_READ_SYS_PARA = const(0x0F)
CMD_VFY_PWD = const(0x13)
CMD_TEMPLATE_NUM = const(0x1D)
CMD_AURA_LED = const(0x35)  # R503 AuraLedConfig; R307/AS608 have no such LED
CMD_HANDSHAKE = const(0x40)
CMD_GET_ECHO = const(0x53)

# Confirmation codes the code base tests for by name (all of them are in _TABLE below)
OK = const(0x00)
PACKET_RECEIVE_ERR = const(0x01)
NO_FINGER = const(0x02)
IMAGE_FAIL = const(0x03)
FEATURE_FAIL = const(0x07)
NO_MATCH = const(0x08)
NOT_FOUND = const(0x09)
ENROLL_MISMATCH = const(0x0A)
BAD_LOCATION = const(0x0B)
READ_TEMPLATE_FAIL = const(0x0C)
UPLOAD_FEATURE_FAIL = const(0x0D)
DELETE_FAIL = const(0x10)
WRONG_PASSWORD = const(0x13)
INVALID_IMAGE = const(0x15)
INVALID_REGISTER = const(0x1A)
MUST_VERIFY_PASSWORD = const(0x21)
SENSOR_HW_ERROR = const(0x29)
MODULE_OK = const(0x55)  # GetEcho answer / power-on handshake byte

# One bytes object "<code byte>NAME:message\n" per entry rather than a dict of strings: it
# costs ~1.8 KB as a single object instead of ~10 KB of heap strings on a 100 KB card.
_TABLE = (
    b"\x00OK:command executed\n"
    b"\x01PACKET_RECEIVE_ERR:sensor could not receive the packet\n"
    b"\x02NO_FINGER:no finger on the sensor\n"
    b"\x03IMAGE_FAIL:failed to capture the finger image\n"
    b"\x04IMAGE_TOO_DRY:image too dry or too light to generate features\n"
    b"\x05IMAGE_TOO_WET:image too wet or too dark to generate features\n"
    b"\x06IMAGE_MESSY:image too disorderly to generate features\n"
    b"\x07FEATURE_FAIL:too few feature points or image too small\n"
    b"\x08NO_MATCH:fingers do not match\n"
    b"\x09NOT_FOUND:no matching finger in the library\n"
    b"\x0aENROLL_MISMATCH:failed to combine the character files\n"
    b"\x0bBAD_LOCATION:page ID beyond the finger library\n"
    b"\x0cREAD_TEMPLATE_FAIL:template read error or invalid template\n"
    b"\x0dUPLOAD_FEATURE_FAIL:error uploading the template\n"
    b"\x0ePACKET_RESPONSE_FAIL:module cannot receive the following data packets\n"
    b"\x0fUPLOAD_IMAGE_FAIL:error uploading the image\n"
    b"\x10DELETE_FAIL:failed to delete the template\n"
    b"\x11CLEAR_FAIL:failed to clear the finger library\n"
    b"\x12LOW_POWER_FAIL:failed to enter low-power mode\n"
    b"\x13WRONG_PASSWORD:wrong password\n"
    b"\x14RESET_FAIL:system reset failed\n"
    b"\x15INVALID_IMAGE:no valid primary image in the buffer\n"
    b"\x16UPGRADE_FAIL:online upgrade failed\n"
    b"\x17RESIDUAL_FINGER:residual fingerprint or finger not moved between captures\n"
    b"\x18FLASH_ERR:error writing flash\n"
    b"\x19NO_DEFINITION:undefined error\n"
    b"\x1aINVALID_REGISTER:invalid register number\n"
    b"\x1bBAD_REGISTER_CONFIG:incorrect register configuration\n"
    b"\x1cBAD_NOTEPAD_PAGE:wrong notepad page number\n"
    b"\x1dCOMM_PORT_FAIL:failed to operate the communication port\n"
    b"\x1eAUTO_ENROLL_FAIL:automatic enrolment failed\n"
    b"\x1fLIBRARY_FULL:finger library full\n"
    b"\x20BAD_ADDRESS:wrong device address\n"
    b"\x21MUST_VERIFY_PASSWORD:password must be verified first\n"
    b"\x22TEMPLATE_EMPTY:template empty\n"
    b"\x24LIBRARY_EMPTY:finger library empty\n"
    b"\x26TIMEOUT:sensor-side timeout\n"
    b"\x27ALREADY_EXISTS:fingerprint already exists\n"
    b"\x29SENSOR_HW_ERROR:sensor hardware error\n"
    b"\xfcUNSUPPORTED_COMMAND:command not supported by this sensor\n"
    b"\xfdHARDWARE_ERROR:hardware error\n"
    b"\xfeEXECUTION_FAIL:command execution failure\n"
)


def _entry(code):
    t = _TABLE
    i = 0
    n = len(t)
    while i < n:
        end = t.find(b"\n", i + 1)
        if t[i] == code:
            return t[i + 1:end]
        i = end + 1
    return None


def known_codes():
    """Every confirmation code the table names (for tests and documentation)."""
    t = _TABLE
    i = 0
    while i < len(t):
        yield t[i]
        i = t.find(b"\n", i + 1) + 1


def code_name(code):
    e = _entry(code)
    return e[:e.find(b":")].decode() if e else "UNKNOWN_0x%02X" % code


def code_message(code):
    e = _entry(code)
    return e[e.find(b":") + 1:].decode() if e else "unknown confirmation code 0x%02x" % code


class ZFMException(Exception):
    """Base of every failure the sensor driver reports."""


class ZFMTimeout(ZFMException):
    """The sensor did not answer (or stopped mid-packet) within the timeout."""


class ZFMProtocolError(ZFMException):
    """A malformed packet: bad start code, address, packet ID or length."""


class ZFMChecksumError(ZFMProtocolError):
    """A packet arrived whole but its 16-bit checksum does not add up."""


class ZFMError(ZFMException):
    """The sensor answered with a non-zero confirmation code."""

    def __init__(self, code, command=None):
        self.code = code
        self.command = command
        self.name = code_name(code)
        self.message = code_message(code)
        if command is None:
            text = "0x%02x %s: %s" % (code, self.name, self.message)
        else:
            text = "command 0x%02x: 0x%02x %s: %s" % (command, code, self.name, self.message)
        super().__init__(text)
