; Inno Setup script: installs cvcdesk for the current user only, without administrator rights.
; Build the one-folder bundle first (dist\cvcdesk), then, from the source tree:
;   iscc /DAppVersion=0.1.0 packaging\windows\cvcdesk.iss
; The installer is written to dist\installer\. Needs Inno Setup 6.3 or newer.
; See packaging\README.md for every step.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "cvcdesk"
#define Bundle "..\..\dist\cvcdesk"

[Setup]
; The AppId ties upgrades and the uninstaller together: never change it.
AppId={{6B0C3E2A-6C9B-4F1E-9B5D-3C1A7E4F2D10}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=cvcdesk
AppComments=The coordinator's desk for County Voluntary Councils
; Per-user: no UAC prompt. {autopf} is then %LOCALAPPDATA%\Programs.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist\installer
OutputBaseFilename=cvcdesk-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\cvcdesk.exe
UninstallDisplayName={#AppName}
; Closes a running cvcdesk before files are replaced on an upgrade.
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
; Welsh: Inno Setup's unofficial Welsh.isl, placed beside this script, adds Welsh to the wizard.
#if FileExists(AddBackslash(SourcePath) + "Welsh.isl")
Name: "welsh"; MessagesFile: "Welsh.isl"
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\cvcdesk.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\cvcdesk.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\cvcdesk.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; The databases, their backups and the logs live in %LOCALAPPDATA%\cvcdesk, not in {app}:
; uninstalling never deletes a coordinator's records.
