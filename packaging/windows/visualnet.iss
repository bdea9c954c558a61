; Inno Setup script: a per-user installer for the one-folder bundle, with a Start menu entry
; and the .vnet file type. Built by packaging\windows\build.ps1 (iscc /DAppVersion=x.y.z).
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6F1B8B8E-2C4B-4E59-9B3E-56A9D1C0F7A1}
AppName=VisualNet
AppVersion={#AppVersion}
AppPublisher=VisualNet
DefaultDirName={autopf}\VisualNet
DefaultGroupName=VisualNet
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ChangesAssociations=yes
OutputDir=..\..\dist
OutputBaseFilename=VisualNet-{#AppVersion}-setup
SetupIconFile=..\..\build\icons\visualnet.ico
UninstallDisplayIcon={app}\VisualNet.exe
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
WizardStyle=modern

[Files]
Source: "..\..\dist\VisualNet\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\VisualNet"; Filename: "{app}\VisualNet.exe"
Name: "{autodesktop}\VisualNet"; Filename: "{app}\VisualNet.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop icon"; Flags: unchecked

[Registry]
Root: HKA; Subkey: "Software\Classes\.vnet"; ValueType: string; ValueName: ""; ValueData: "VisualNet.Project"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\VisualNet.Project"; ValueType: string; ValueName: ""; ValueData: "VisualNet project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\VisualNet.Project\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\VisualNet.exe,0"
Root: HKA; Subkey: "Software\Classes\VisualNet.Project\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\VisualNet.exe"" ""%1"""

[Run]
Filename: "{app}\VisualNet.exe"; Description: "Start VisualNet"; Flags: nowait postinstall skipifsilent
