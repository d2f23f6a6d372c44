; posapp for Windows: installs the PyInstaller bundle per machine and sets the terminal up.
;
; Built by packaging\windows\build_windows.ps1 (Inno Setup 6.3 or newer); see packaging\README.md.
; By hand:  ISCC.exe /DAppVersion=0.1.0 /DBundleDir=C:\src\posapp\dist\posapp-0.1.0-windows-x64 posapp.iss
;
; Silent install for deployment tools (every parameter is optional):
;   posapp-0.1.0-setup-x64.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /LOG="C:\Windows\Temp\posapp-setup.log"
;       /STORE=S012 /TERMINAL=T01 /DBURL="postgresql://posapp:pw@10.12.0.2:5432/posapp"
;       /PRINTER=network:10.12.0.50:9100 /STORENAME="Pudong" /ADMINPIN=4826
;   or  /BRANCH=\\fileserver\posapp\S012.toml /TERMINAL=T01   (a branch file; the flags win over it)
;   /TILLUSER=DOMAIN\name: the one account that may read the shop's key (with [sync]); /SELFTEST=0: skip
;   the self-test; /REPROVISION=1: replace an existing config (the old one is kept as .bak).
; With /STORE or /BRANCH, setup runs `posapp-admin provision`, which writes the machine-wide config
; C:\ProgramData\posapp\posapp.toml and creates (or joins) the database. An existing config is kept
; unless /REPROVISION=1. Without either, the till's first-run set-up asks on first start.
; Exit code 0: installed (and set up when asked); 10: installed, but the self-test or the set-up
; failed (the reason is in the setup log); other codes are Inno Setup's own.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z (build_windows.ps1 does)
#endif
#ifndef NumericVersion
  #define NumericVersion AppVersion
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\posapp-" + AppVersion + "-windows-x64"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#if Ver < EncodeVer(6, 3, 0)
  #error Inno Setup 6.3 or newer is needed (x64compatible, ExecAndLogOutput)
#endif

[Setup]
; Never change AppId: it is how an upgrade finds the installed posapp.
AppId={{0CF8A154-7365-476E-A542-3BAC65E8D014}
AppName=posapp
AppVersion={#AppVersion}
AppVerName=posapp {#AppVersion}
AppPublisher=posapp
VersionInfoVersion={#NumericVersion}
VersionInfoProductName=posapp
VersionInfoDescription=posapp setup
DefaultDirName={autopf}\posapp
DisableDirPage=auto
DisableProgramGroupPage=yes
; Per machine: Program Files, ProgramData, shortcuts for all users.
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 needs Windows 10 or newer.
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=posapp-{#AppVersion}-setup-x64
SetupIconFile=..\..\resources\icons\posapp.ico
UninstallDisplayIcon={app}\posapp.exe
UninstallDisplayName=posapp {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; A running till holds its files open: the Restart Manager closes it (a sale is committed whole or
; not at all, so only an open basket is lost: push updates outside opening hours).
CloseApplications=yes
RestartApplications=no
SetupLogging=yes
UsedUserAreasWarning=no

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut for all users"
Name: "autostart"; Description: "Start the till when a user logs on"; Flags: unchecked

[Dirs]
; The shared configuration and, by default, the SQLite database live here. The till runs as an
; ordinary user and must write the database (and SQLite's -wal and -shm files beside it);
; the config files setup writes are made read-only for users afterwards (Protect below).
Name: "{commonappdata}\posapp"; Permissions: users-modify

[InstallDelete]
; An upgrade replaces the whole bundle: nothing of the old version's libraries may stay behind.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\posapp"; Filename: "{app}\posapp.exe"; WorkingDir: "{app}"
Name: "{autodesktop}\posapp"; Filename: "{app}\posapp.exe"; WorkingDir: "{app}"; Tasks: desktopicon
Name: "{commonstartup}\posapp"; Filename: "{app}\posapp.exe"; WorkingDir: "{app}"; Tasks: autostart

[Run]
Filename: "{app}\posapp.exe"; Description: "Start posapp"; Flags: nowait postinstall skipifsilent runasoriginaluser

; The database, the config and the logs are kept on uninstall: they are the store's records.

[Code]
var
  Failure: String;

function SetEnvVar(Name, Value: String): Boolean;
  external 'SetEnvironmentVariableW@kernel32.dll stdcall';

function SetupParam(Name: String): String;
begin
  Result := Trim(ExpandConstant('{param:' + Name + '|}'));
end;

function ConfigPath: String;
begin
  Result := ExpandConstant('{commonappdata}\posapp\posapp.toml');
end;

procedure Fail(Message: String);
begin
  if Failure = '' then
    Failure := Message;
  Log('posapp: FAILED: ' + Message);
  SuppressibleMsgBox(Message, mbError, MB_OK, IDOK);
end;

procedure AddFlag(var Args, Shown: String; Flag, Value: String; Secret: Boolean);
begin
  if Value = '' then
    Exit;
  Args := Args + ' ' + Flag + ' ' + AddQuotes(Value);
  if Secret then
    Shown := Shown + ' ' + Flag + ' (not logged)'
  else
    Shown := Shown + ' ' + Flag + ' ' + AddQuotes(Value);
end;

{ The bundle works on this machine (Python, Qt, SQLite, printing to a dummy printer, a PDF).
  posapp.exe is windowed, so it writes its report to %TEMP%\posapp-selftest.txt: copied to the log. }
procedure SelfTest;
var
  Code, I: Integer;
  Report: String;
  Lines: TArrayOfString;
begin
  if SetupParam('SELFTEST') = '0' then
    Exit;
  Report := ExpandConstant('{%TEMP}\posapp-selftest.txt');
  DeleteFile(Report);
  if not Exec(ExpandConstant('{app}\posapp.exe'), '--self-test', ExpandConstant('{app}'), SW_HIDE,
              ewWaitUntilTerminated, Code) then
  begin
    Fail('posapp.exe could not be started for its self-test: ' + SysErrorMessage(Code));
    Exit;
  end;
  if LoadStringsFromFile(Report, Lines) then
    for I := 0 to GetArrayLength(Lines) - 1 do
      Log('posapp self-test: ' + Lines[I]);
  if Code <> 0 then
    Fail('The installed posapp failed its self-test (exit code ' + IntToStr(Code) + '); see ' + Report);
end;

{ A file setup wrote: changed only by SYSTEM and administrators, read by Readers (icacls grants,
  *S-1-5-32-545 is the Users group, whatever the language of Windows). }
procedure Protect(Path, Readers: String);
var
  Code: Integer;
begin
  if not FileExists(Path) then
    Exit;
  if not Exec(ExpandConstant('{sys}\icacls.exe'),
              AddQuotes(Path) + ' /inheritance:r /grant:r *S-1-5-18:(F) *S-1-5-32-544:(F) ' + Readers,
              '', SW_HIDE, ewWaitUntilTerminated, Code) or (Code <> 0) then
    Log('posapp: could not set the permissions of ' + Path + ' (icacls exit code ' + IntToStr(Code) + ')')
  else
    Log('posapp: ' + Path + ': read by ' + Readers + ', changed by administrators only');
end;

{ The shop's key: only the till's user (/TILLUSER=DOMAIN\name) may read it; without that, every user. }
function KeyReaders: String;
begin
  if SetupParam('TILLUSER') <> '' then
    Result := AddQuotes(SetupParam('TILLUSER') + ':(R)')
  else
  begin
    Result := '*S-1-5-32-545:(R)';
    Log('posapp: no /TILLUSER: every user of this machine may read shop.key');
  end;
end;

procedure Provision;
var
  Args, Shown, Branch: String;
  Code: Integer;
begin
  Branch := SetupParam('BRANCH');
  if (Branch = '') and (SetupParam('STORE') = '') then
  begin
    Log('posapp: no /STORE or /BRANCH: the terminal is set up on first start, or with posapp-admin provision');
    Exit;
  end;
  if FileExists(ConfigPath) and (SetupParam('REPROVISION') <> '1') then
  begin
    Log('posapp: ' + ConfigPath + ' exists and is kept (/REPROVISION=1 replaces it)');
    Exit;
  end;
  if (Branch <> '') and (Pos(':', Branch) = 0) and (Copy(Branch, 1, 2) <> '\\') then
    Branch := AddBackslash(ExpandConstant('{src}')) + Branch;  { relative to the setup program }
  if (Branch <> '') and not FileExists(Branch) then
  begin
    Fail('The branch file ' + Branch + ' does not exist.');
    Exit;
  end;

  Args := 'provision --config ' + AddQuotes(ConfigPath);
  Shown := Args;
  AddFlag(Args, Shown, '--from', Branch, False);
  AddFlag(Args, Shown, '--store', SetupParam('STORE'), False);
  AddFlag(Args, Shown, '--store-name', SetupParam('STORENAME'), False);
  AddFlag(Args, Shown, '--terminal', SetupParam('TERMINAL'), False);
  AddFlag(Args, Shown, '--database-url', SetupParam('DBURL'), True);  { it may hold a password }
  AddFlag(Args, Shown, '--printer', SetupParam('PRINTER'), False);
  AddFlag(Args, Shown, '--locale', SetupParam('LOCALE'), False);
  AddFlag(Args, Shown, '--timezone', SetupParam('TIMEZONE'), False);
  AddFlag(Args, Shown, '--currency', SetupParam('CURRENCY'), False);
  if SetupParam('REPROVISION') = '1' then
  begin
    Args := Args + ' --force';
    Shown := Shown + ' --force';
  end;
  { The first admin's PIN goes through the environment, never on a command line or into the log. }
  SetEnvVar('POSAPP_ADMIN_PIN', SetupParam('ADMINPIN'));
  Log('posapp: posapp-admin' + Shown);
  try
    if not ExecAndLogOutput(ExpandConstant('{app}\posapp-admin.exe'), Args, ExpandConstant('{app}'),
                            SW_HIDE, ewWaitUntilTerminated, Code, nil) then
      Fail('posapp-admin.exe could not be started: ' + SysErrorMessage(Code))
    else if Code <> 0 then
      Fail('posapp-admin provision failed (exit code ' + IntToStr(Code) + '); its message is in the setup log.')
    else
    begin
      Protect(ConfigPath, '*S-1-5-32-545:(RX)');
      if FileExists(ExpandConstant('{commonappdata}\posapp\shop.key')) then
        Protect(ExpandConstant('{commonappdata}\posapp\shop.key'), KeyReaders);
    end;
  finally
    SetEnvVar('POSAPP_ADMIN_PIN', '');
  end;
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if CurStep = ssPostInstall then
  begin
    SelfTest;
    Provision;
  end;
end;

function GetCustomSetupExitCode: Integer;
begin
  if Failure <> '' then
    Result := 10
  else
    Result := 0;
end;
